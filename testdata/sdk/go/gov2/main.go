// Command gov2 is an application built on the AWS SDK for Go v2: it loads
// the shared config for a profile (whose credential_process is
// stslib-proc), calls STS GetCallerIdentity and prints the ARN as JSON.
// On error it prints the SDK's error on stderr, as an application would,
// and exits 1.
//
// Usage: gov2 ENDPOINT PROFILE. The endpoint is set with sts.Options'
// BaseEndpoint (the SDK's documented override).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gov2 ENDPOINT PROFILE")
		os.Exit(2)
	}
	endpoint, profile := os.Args[1], os.Args[2]
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithSharedConfigProfile(profile), config.WithRegion("us-east-1"))
	if err != nil {
		fail(err)
	}
	client := sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = aws.String(endpoint) })
	out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		fail(err)
	}
	json.NewEncoder(os.Stdout).Encode(map[string]string{"arn": aws.ToString(out.Arn)})
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "gov2: %v\n", err)
	os.Exit(1)
}
