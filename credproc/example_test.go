package credproc_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/stslib/stslib-proc/credproc"
)

// exampleSTS stands in for STS so the example runs anywhere.
type exampleSTS struct{ n atomic.Int64 } // roles are assumed in parallel

func (f *exampleSTS) GetSessionToken(ctx context.Context, in *sts.GetSessionTokenInput, _ ...func(*sts.Options)) (*sts.GetSessionTokenOutput, error) {
	return &sts.GetSessionTokenOutput{Credentials: f.creds(time.Duration(*in.DurationSeconds) * time.Second)}, nil
}

func (f *exampleSTS) AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, _ ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	return &sts.AssumeRoleOutput{Credentials: f.creds(time.Duration(*in.DurationSeconds) * time.Second)}, nil
}

func (f *exampleSTS) creds(d time.Duration) *types.Credentials {
	n := f.n.Add(1)
	return &types.Credentials{
		AccessKeyId: aws.String(fmt.Sprintf("ASIAEXAMPLE%09d", n)), SecretAccessKey: aws.String("secret"),
		SessionToken: aws.String("token"), Expiration: aws.Time(exampleNow.Add(d)),
	}
}

var exampleNow = time.Date(2017, 10, 22, 14, 36, 14, 0, time.UTC)

// Example mirrors stslib's own usage: a session token for BobSmith with
// one MFA code, then credentials for three role profiles, keyed
// "sts-<profile>".
func Example() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "config"), []byte(`[profile BobSmith]
mfa_serial = arn:aws:iam::111122223333:mfa/BobSmith
[profile DynamoDBRole-dev]
role_arn = arn:aws:iam::444455556666:role/DynamoDBRole
source_profile = BobSmith
[profile CodeDeployRole-qa]
role_arn = arn:aws:iam::444455556666:role/CodeDeployRole
source_profile = BobSmith
[profile S3ReadOnlyRole-prod]
role_arn = arn:aws:iam::444455556666:role/S3ReadOnlyRole
source_profile = BobSmith
`), 0o600)
	os.WriteFile(filepath.Join(dir, "credentials"), []byte("[BobSmith]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = example\n"), 0o600)

	fake := &exampleSTS{}
	core := credproc.New(credproc.Options{
		Paths:         credproc.Paths{ConfigFile: filepath.Join(dir, "config"), CredentialsFile: filepath.Join(dir, "credentials")},
		SourceProfile: "BobSmith",
		Now:           func() time.Time { return exampleNow },
		NewSTS:        func(credproc.STSConfig) credproc.STSAPI { return fake },
	})
	ctx := context.Background()

	token, err := core.SessionToken(ctx, "123466") // generate_session_token(mfa_code=code)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("session until", token.Expiration())

	profiles := []string{"DynamoDBRole-dev", "CodeDeployRole-qa", "S3ReadOnlyRole-prod"}
	credentials, err := core.Credentials(ctx, profiles) // generate_credentials(profile_list)
	if err != nil {
		fmt.Println(err)
		return
	}
	c := credentials["sts-DynamoDBRole-dev"]
	fmt.Println(len(credentials), "sets;", "start", c.Start.Format(time.RFC3339), "duration", c.Duration())
	fmt.Println("expiration", c.Expiration())
	fmt.Println("secret key prints as", c.SecretKey)
	fmt.Println("boto Expiration", c.Boto().Expiration.Format(time.RFC3339))
	// Output:
	// session until 2017-10-23T02:36:14+00:00
	// 3 sets; start 2017-10-22T14:36:14Z duration 1h0m0s
	// expiration 2017-10-22T15:36:14+00:00
	// secret key prints as [redacted]
	// boto Expiration 2017-10-22T15:36:14Z
}
