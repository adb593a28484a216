// An application built on the AWS SDK for JavaScript v3: credentials from
// fromIni for a profile whose credential_process is stslib-proc, then STS
// GetCallerIdentity; prints the ARN as JSON. On error it prints the SDK's
// error on stderr, as an application would, and exits 1.
//
// Usage: node sts.mjs ENDPOINT PROFILE. The endpoint is set with the
// client's documented "endpoint" option.
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { fromIni } from "@aws-sdk/credential-providers";

const [endpoint, profile] = process.argv.slice(2);
const client = new STSClient({
  region: "us-east-1",
  endpoint,
  credentials: fromIni({ profile }),
});
try {
  const out = await client.send(new GetCallerIdentityCommand({}));
  console.log(JSON.stringify({ arn: out.Arn }));
} catch (err) {
  console.error(`js: ${err.name}: ${err.message}`);
  process.exit(1);
}
