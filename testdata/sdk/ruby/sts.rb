# An application built on the AWS SDK for Ruby v3 (aws-sdk-core): a client
# for a profile whose credential_process is stslib-proc, then STS
# GetCallerIdentity; prints the ARN as JSON. On error it prints the SDK's
# error on stderr, as an application would, and exits 1.
#
# Usage: ruby sts.rb ENDPOINT PROFILE. The endpoint is set with the
# client's documented :endpoint option (aws-sdk-core 3.168 has no
# AWS_ENDPOINT_URL_STS).
require "json"
require "aws-sdk-core"

endpoint, profile = ARGV
begin
  client = Aws::STS::Client.new(profile: profile, region: "us-east-1", endpoint: endpoint)
  puts JSON.generate({ arn: client.get_caller_identity.arn })
rescue StandardError => e
  warn "ruby: #{e.class}: #{e.message}"
  exit 1
end
