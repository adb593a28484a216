package credproc

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/config"
)

// staticCreds reads a source profile's long-term keys with the SDK's
// shared-config loader, the same reader the AWS SDK for Go uses. It runs
// only when STS must be called: the warm path never loads SDK config.
func (c *Core) staticCreds(ctx context.Context, s *Profile) (*Credentials, error) {
	sc, err := config.LoadSharedConfigProfile(ctx, s.Name, func(o *config.LoadSharedConfigOptions) {
		o.ConfigFiles = []string{c.opts.Paths.ConfigFile}
		o.CredentialsFiles = []string{c.opts.Paths.CredentialsFile}
	})
	if err != nil {
		return nil, fmt.Errorf("profile %s: %v", s.Name, err)
	}
	// A profile that names itself as source_profile has its keys on the
	// SDK's linked Source.
	k := sc.Credentials
	for src := sc.Source; !k.HasKeys() && src != nil; src = src.Source {
		k = src.Credentials
	}
	if !k.HasKeys() {
		return nil, fmt.Errorf("profile %s (%s): %w", s.Name, s.File, ErrNoSource)
	}
	return &Credentials{Profile: s.Name, AccessKey: k.AccessKeyID, SecretKey: Secret(k.SecretAccessKey), Session: Secret(k.SessionToken)}, nil
}
