// Command gov1 is an application built on the AWS SDK for Go v1: a session
// for a profile (whose credential_process is stslib-proc) with the shared
// config enabled, then STS GetCallerIdentity; it prints the ARN as JSON.
// On error it prints the SDK's error on stderr, as an application would,
// and exits 1.
//
// Usage: gov1 ENDPOINT PROFILE. The endpoint is set with aws.Config's
// Endpoint (v1 has no AWS_ENDPOINT_URL_* variables).
package main

//lint:file-ignore SA1019 the matrix tests the SDK v1 that many tools still run, deprecated as it is

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/aws/session"
	"github.com/aws/aws-sdk-go/service/sts"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gov1 ENDPOINT PROFILE")
		os.Exit(2)
	}
	endpoint, profile := os.Args[1], os.Args[2]
	sess, err := session.NewSessionWithOptions(session.Options{
		Profile:           profile,
		SharedConfigState: session.SharedConfigEnable,
		Config:            aws.Config{Region: aws.String("us-east-1"), Endpoint: aws.String(endpoint)},
	})
	if err != nil {
		fail(err)
	}
	out, err := sts.New(sess).GetCallerIdentity(&sts.GetCallerIdentityInput{})
	if err != nil {
		fail(err)
	}
	json.NewEncoder(os.Stdout).Encode(map[string]string{"arn": aws.StringValue(out.Arn)})
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "gov1: %v\n", err)
	os.Exit(1)
}
