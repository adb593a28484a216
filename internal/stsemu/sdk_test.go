package stsemu

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func TestHappyPath(t *testing.T) {
	s := StartTest(t, DefaultConfig())
	ctx := context.Background()

	sess := session(t, s, 0)
	if !strings.HasPrefix(sess.AccessKeyID, "ASIA") || len(sess.AccessKeyID) != 20 {
		t.Errorf("session AccessKeyId %q, want ASIA + 16", sess.AccessKeyID)
	}
	if len(sess.SecretAccessKey) != 40 || len(sess.SessionToken) < 300 {
		t.Errorf("secret length %d, token length %d; want 40 and >= 300", len(sess.SecretAccessKey), len(sess.SessionToken))
	}
	exp, ok := s.IssuedExpiry(sess.AccessKeyID)
	if d := exp.Sub(s.Now()); !ok || d < 43200*time.Second-time.Minute || d > 43200*time.Second {
		t.Errorf("session expiry in %v, want the 43200 s default", d)
	}

	id, err := client(s, sess).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *id.Arn != DefaultUserARN || *id.Account != "111122223333" || !strings.HasPrefix(*id.UserId, "AIDA") {
		t.Errorf("session identity %s %s %s", *id.Arn, *id.Account, *id.UserId)
	}

	out, err := client(s, sess).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn:         aws.String("arn:aws:iam::444455556666:role/DynamoDBRole"),
		RoleSessionName: aws.String("bob-session"),
		DurationSeconds: aws.Int32(3600),
	})
	if err != nil {
		t.Fatal(err)
	}
	wantARN := "arn:aws:sts::444455556666:assumed-role/DynamoDBRole/bob-session"
	if *out.AssumedRoleUser.Arn != wantARN || !strings.HasPrefix(*out.AssumedRoleUser.AssumedRoleId, "AROA") ||
		!strings.HasSuffix(*out.AssumedRoleUser.AssumedRoleId, ":bob-session") {
		t.Errorf("AssumedRoleUser %s %s", *out.AssumedRoleUser.Arn, *out.AssumedRoleUser.AssumedRoleId)
	}
	if d := out.Credentials.Expiration.Sub(s.Now()); d < 3540*time.Second || d > 3600*time.Second {
		t.Errorf("role expiry in %v, want 1 h", d)
	}
	role := aws.Credentials{AccessKeyID: *out.Credentials.AccessKeyId, SecretAccessKey: *out.Credentials.SecretAccessKey, SessionToken: *out.Credentials.SessionToken}
	id, err = client(s, role).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *id.Arn != wantARN || *id.Account != "444455556666" || *id.UserId != *out.AssumedRoleUser.AssumedRoleId {
		t.Errorf("role identity %s %s %s", *id.Arn, *id.Account, *id.UserId)
	}

	st := s.Stats()
	if st["GetSessionToken"] != 1 || st["AssumeRole"] != 1 || st["GetCallerIdentity"] != 2 {
		t.Errorf("stats %v", st)
	}
	calls := s.Calls()
	if len(calls) != 4 || calls[0].Params.Get("TokenCode") == "" || calls[0].AccessKeyID != DefaultAccessKeyID || calls[0].Status != 200 {
		t.Errorf("calls %+v", calls)
	}
}

func TestSignatureRules(t *testing.T) {
	ctx := context.Background()
	s := StartTest(t, DefaultConfig())
	sess := session(t, s, 0)
	tests := []struct {
		name   string
		creds  aws.Credentials
		offset time.Duration // server clock offset
		code   string
		status int
		msg    string
	}{
		{"wrong secret", aws.Credentials{AccessKeyID: DefaultAccessKeyID, SecretAccessKey: "wrong"}, 0, "SignatureDoesNotMatch", 403, "signature we calculated"},
		{"unknown key", aws.Credentials{AccessKeyID: "AKIAUNKNOWNUNKNOWN00", SecretAccessKey: "x"}, 0, "InvalidClientTokenId", 403, "security token included in the request is invalid"},
		{"temp key without token", aws.Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.SecretAccessKey}, 0, "InvalidClientTokenId", 403, "invalid"},
		{"temp key with other token", aws.Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.SecretAccessKey, SessionToken: sess.SessionToken + "x"}, 0, "InvalidClientTokenId", 403, "invalid"},
		{"long-term key with token", aws.Credentials{AccessKeyID: DefaultAccessKeyID, SecretAccessKey: DefaultSecretAccessKey, SessionToken: sess.SessionToken}, 0, "InvalidClientTokenId", 403, "invalid"},
		{"temp key wrong secret", aws.Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: "x", SessionToken: sess.SessionToken}, 0, "SignatureDoesNotMatch", 403, "signature"},
		{"signed 16 min ago", bob, 16 * time.Minute, "SignatureDoesNotMatch", 403, "Signature expired: "},
		{"signed 16 min ahead", bob, -16 * time.Minute, "SignatureDoesNotMatch", 403, "Signature not yet current: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.SetClockOffset(tt.offset)
			defer s.SetClockOffset(0)
			_, err := client(s, tt.creds).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			wantErr(t, err, tt.code, tt.status, tt.msg)
		})
	}
	t.Run("14 min skew is accepted", func(t *testing.T) {
		s.SetClockOffset(14 * time.Minute)
		defer s.SetClockOffset(0)
		if _, err := client(s, bob).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
			t.Fatal(err)
		}
	})
}

// The SDK corrects its clock from the Date header after a skew error: this
// only works if the emulator's Date carries the clock offset.
func TestClockSkewCorrectionBySDK(t *testing.T) {
	s := StartTest(t, DefaultConfig())
	s.SetClockOffset(time.Hour)
	c := client(s, bob, func(o *sts.Options) { o.RetryMaxAttempts = 3 })
	if _, err := c.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("SDK did not recover from skew: %v", err)
	}
	calls := s.Calls()
	if len(calls) != 2 || calls[0].Code != "SignatureDoesNotMatch" || calls[1].Status != 200 {
		t.Fatalf("calls %+v, want a skew failure then success", calls)
	}
}

func TestExpiredToken(t *testing.T) {
	s := StartTest(t, DefaultConfig())
	sess := session(t, s, 900)
	role := assume(t, s, sess, "arn:aws:iam::444455556666:role/S3ReadOnlyRole")
	s.ExpireAll()
	for name, c := range map[string]aws.Credentials{"session": sess, "role": role} {
		t.Run(name, func(t *testing.T) {
			_, err := client(s, c).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
			wantErr(t, err, "ExpiredToken", 403, "The security token included in the request is expired")
		})
	}
	if _, err := client(s, bob).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("long-term keys must not expire: %v", err)
	}
}

func TestRegionScope(t *testing.T) {
	s := StartTest(t, DefaultConfig())
	_, err := client(s, bob, func(o *sts.Options) { o.Region = "eu-west-1" }).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	wantErr(t, err, "SignatureDoesNotMatch", 403, "valid region")

	cfg := DefaultConfig()
	cfg.Region = ""
	any := StartTest(t, cfg)
	if _, err := client(any, bob, func(o *sts.Options) { o.Region = "eu-west-1" }).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("Region \"\" must accept any region: %v", err)
	}
}

func TestMFA(t *testing.T) {
	ctx := context.Background()
	s := StartTest(t, DefaultConfig())
	gst := func(serial, code *string) error {
		_, err := client(s, bob).GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: serial, TokenCode: code})
		return err
	}
	t.Run("reused code", func(t *testing.T) {
		awayFromStepEdge(s)
		c := totp(t, s, 0)
		if err := gst(aws.String(DefaultMFASerial), aws.String(c)); err != nil {
			t.Fatal(err)
		}
		wantErr(t, gst(aws.String(DefaultMFASerial), aws.String(c)), "AccessDenied", 403, "invalid MFA one time pass code")
	})
	t.Run("previous and next step accepted", func(t *testing.T) {
		s := StartTest(t, DefaultConfig()) // no step used yet
		awayFromStepEdge(s)
		for _, off := range []time.Duration{-totpStep * time.Second, totpStep * time.Second} {
			_, err := client(s, bob).GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(DefaultMFASerial), TokenCode: aws.String(totp(t, s, off))})
			if err != nil {
				t.Fatalf("offset %v: %v", off, err)
			}
		}
	})
	t.Run("two steps away refused", func(t *testing.T) {
		c := totp(t, s, 3*totpStep*time.Second)
		wantErr(t, gst(aws.String(DefaultMFASerial), aws.String(c)), "AccessDenied", 403, "invalid MFA one time pass code")
	})
	t.Run("wrong code", func(t *testing.T) {
		c := totp(t, s, 0)
		wrong := "000000"
		if c == wrong {
			wrong = "111111"
		}
		wantErr(t, gst(aws.String(DefaultMFASerial), aws.String(wrong)), "AccessDenied", 403, "invalid MFA one time pass code")
	})
	t.Run("wrong serial", func(t *testing.T) {
		wantErr(t, gst(aws.String("arn:aws:iam::111122223333:mfa/Other"), aws.String(totp(t, s, 0))), "AccessDenied", 403, "serial number")
	})
	t.Run("serial without code", func(t *testing.T) {
		wantErr(t, gst(aws.String(DefaultMFASerial), nil), "AccessDenied", 403, "must provide both")
	})
	t.Run("five digits", func(t *testing.T) {
		err := gst(aws.String(DefaultMFASerial), aws.String("12345"))
		wantErr(t, err, "ValidationError", 400, "tokenCode")
		if strings.Contains(err.Error(), "12345") {
			t.Errorf("error echoes the code: %v", err)
		}
	})
	t.Run("letters", func(t *testing.T) {
		wantErr(t, gst(aws.String(DefaultMFASerial), aws.String("12345a")), "ValidationError", 400, "tokenCode")
	})
	t.Run("short serial", func(t *testing.T) {
		wantErr(t, gst(aws.String("abc"), aws.String("123456")), "ValidationError", 400, "serialNumber")
	})
}

func TestGetSessionTokenRules(t *testing.T) {
	ctx := context.Background()
	s := StartTest(t, DefaultConfig())
	for _, tt := range []struct {
		name string
		dur  int32
		msg  string
	}{
		{"too short", 899, "greater than or equal to 900"},
		{"too long", 129601, "less than or equal to 129600"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client(s, bob).GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(tt.dur)})
			wantErr(t, err, "ValidationError", 400, tt.msg)
		})
	}
	t.Run("maximum", func(t *testing.T) {
		out, err := client(s, bob).GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(129600)})
		if err != nil {
			t.Fatal(err)
		}
		if d := out.Credentials.Expiration.Sub(s.Now()); d < 129540*time.Second {
			t.Errorf("expiry in %v", d)
		}
	})
	t.Run("with temporary credentials", func(t *testing.T) {
		sess := session(t, s, 900)
		_, err := client(s, sess).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
		wantErr(t, err, "AccessDenied", 403, "Cannot call GetSessionToken with session credentials")
	})
}

func TestAssumeRoleRules(t *testing.T) {
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.Users = append(cfg.Users, User{Name: "Eve", AccessKeyID: "AKIAEVEEVEEVEEVEEVE1", SecretAccessKey: "evesecret", ARN: "arn:aws:iam::111122223333:user/Eve"})
	cfg.Roles = append(cfg.Roles,
		Role{ARN: "arn:aws:iam::444455556666:role/Short", TrustedPrincipals: []string{DefaultUserARN}},
		Role{ARN: "arn:aws:iam::444455556666:role/Partner", TrustedPrincipals: []string{DefaultUserARN}, ExternalID: "ext-123", MaxSessionDuration: 43200},
		Role{ARN: "arn:aws:iam::444455556666:role/Chained", TrustedPrincipals: []string{"arn:aws:iam::444455556666:role/CodeDeployRole"}, MaxSessionDuration: 43200},
		Role{ARN: "arn:aws:iam::444455556666:role/AccountWide", TrustedPrincipals: []string{"arn:aws:iam::111122223333:root"}},
		Role{ARN: "arn:aws:iam::444455556666:role/Anyone", TrustedPrincipals: []string{"*"}},
	)
	s := StartTest(t, cfg)
	eve := aws.Credentials{AccessKeyID: "AKIAEVEEVEEVEEVEEVE1", SecretAccessKey: "evesecret"}
	plainSession := func() aws.Credentials { // GetSessionToken without MFA
		out, err := client(s, bob).GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(900)})
		if err != nil {
			t.Fatal(err)
		}
		c := out.Credentials
		return aws.Credentials{AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey, SessionToken: *c.SessionToken}
	}
	mfaSession := session(t, s, 0)
	codeDeploy := assume(t, s, bob, "arn:aws:iam::444455556666:role/CodeDeployRole")
	const acct = "arn:aws:iam::444455556666:role/"

	type tc struct {
		name          string
		creds         aws.Credentials
		in            sts.AssumeRoleInput
		code, msg     string // code "" = success
		status        int
		wantExpiresIn time.Duration
	}
	in := func(role string, mod ...func(*sts.AssumeRoleInput)) sts.AssumeRoleInput {
		i := sts.AssumeRoleInput{RoleArn: aws.String(acct + role), RoleSessionName: aws.String("s1")}
		for _, m := range mod {
			m(&i)
		}
		return i
	}
	dur := func(d int32) func(*sts.AssumeRoleInput) {
		return func(i *sts.AssumeRoleInput) { i.DurationSeconds = aws.Int32(d) }
	}
	ext := func(e string) func(*sts.AssumeRoleInput) {
		return func(i *sts.AssumeRoleInput) { i.ExternalId = aws.String(e) }
	}
	name := func(n string) func(*sts.AssumeRoleInput) {
		return func(i *sts.AssumeRoleInput) { i.RoleSessionName = aws.String(n) }
	}
	notAuth := "is not authorized to perform: sts:AssumeRole on resource: "
	tests := []tc{
		{name: "long-term keys 12 h", creds: bob, in: in("CodeDeployRole", dur(43200)), wantExpiresIn: 43200 * time.Second},
		{name: "default duration 1 h", creds: bob, in: in("CodeDeployRole"), wantExpiresIn: time.Hour},
		{name: "over MaxSessionDuration", creds: bob, in: in("Short", dur(3601)), code: "ValidationError", status: 400, msg: "exceeds the MaxSessionDuration set for this role"},
		{name: "over 12 h", creds: bob, in: in("CodeDeployRole", dur(43201)), code: "ValidationError", status: 400, msg: "less than or equal to 43200"},
		{name: "under 15 min", creds: bob, in: in("CodeDeployRole", dur(899)), code: "ValidationError", status: 400, msg: "greater than or equal to 900"},
		{name: "session token chained over 1 h", creds: mfaSession, in: in("CodeDeployRole", dur(3601)), code: "ValidationError", status: 400, msg: "1 hour session limit for roles assumed by role chaining"},
		{name: "session token 1 h", creds: mfaSession, in: in("CodeDeployRole", dur(3600)), wantExpiresIn: time.Hour},
		{name: "role chained over 1 h", creds: codeDeploy, in: in("Chained", dur(7200)), code: "ValidationError", status: 400, msg: "role chaining"},
		{name: "role chained 1 h", creds: codeDeploy, in: in("Chained"), wantExpiresIn: time.Hour},
		{name: "chain needs role trust", creds: bob, in: in("Chained"), code: "AccessDenied", status: 403, msg: "User: " + DefaultUserARN + " " + notAuth + acct + "Chained"},
		{name: "untrusted user", creds: eve, in: in("CodeDeployRole"), code: "AccessDenied", status: 403, msg: "User: arn:aws:iam::111122223333:user/Eve " + notAuth},
		{name: "untrusted role caller", creds: codeDeploy, in: in("S3ReadOnlyRole"), code: "AccessDenied", status: 403, msg: "User: arn:aws:sts::444455556666:assumed-role/CodeDeployRole/chain " + notAuth},
		{name: "unknown role", creds: bob, in: in("Nope"), code: "AccessDenied", status: 403, msg: notAuth + acct + "Nope"},
		{name: "account root trust", creds: eve, in: in("AccountWide")},
		{name: "star trust", creds: eve, in: in("Anyone")},
		{name: "missing external id", creds: bob, in: in("Partner"), code: "AccessDenied", status: 403, msg: notAuth},
		{name: "wrong external id", creds: bob, in: in("Partner", ext("ext-124")), code: "AccessDenied", status: 403, msg: notAuth},
		{name: "right external id", creds: bob, in: in("Partner", ext("ext-123"))},
		{name: "MFA role without MFA", creds: bob, in: in("DynamoDBRole"), code: "AccessDenied", status: 403, msg: notAuth},
		{name: "MFA role with non-MFA session", creds: plainSession(), in: in("DynamoDBRole"), code: "AccessDenied", status: 403, msg: notAuth},
		{name: "MFA role with MFA session", creds: mfaSession, in: in("DynamoDBRole")},
		{name: "MFA role with wrong code", creds: bob, in: in("DynamoDBRole", func(i *sts.AssumeRoleInput) {
			i.SerialNumber, i.TokenCode = aws.String(DefaultMFASerial), aws.String("000000")
		}), code: "AccessDenied", status: 403, msg: "MultiFactorAuthentication failed"},
		{name: "session name with space", creds: bob, in: in("CodeDeployRole", name("a b")), code: "ValidationError", status: 400, msg: "roleSessionName"},
		{name: "session name too short", creds: bob, in: in("CodeDeployRole", name("a")), code: "ValidationError", status: 400, msg: "roleSessionName"},
		{name: "session name 64 chars", creds: bob, in: in("CodeDeployRole", name(strings.Repeat("a", 64)))},
		{name: "session name 65 chars", creds: bob, in: in("CodeDeployRole", name(strings.Repeat("a", 65))), code: "ValidationError", status: 400, msg: "roleSessionName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			out, err := client(s, tt.creds).AssumeRole(ctx, &in)
			if tt.code != "" {
				wantErr(t, err, tt.code, tt.status, tt.msg)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantExpiresIn > 0 {
				if d := out.Credentials.Expiration.Sub(s.Now()); d > tt.wantExpiresIn || d < tt.wantExpiresIn-time.Minute {
					t.Errorf("expires in %v, want %v", d, tt.wantExpiresIn)
				}
			}
		})
	}
	t.Run("MFA role with code on AssumeRole", func(t *testing.T) {
		_, err := client(s, bob).AssumeRole(ctx, &sts.AssumeRoleInput{
			RoleArn: aws.String(acct + "DynamoDBRole"), RoleSessionName: aws.String("mfa"),
			SerialNumber: aws.String(DefaultMFASerial), TokenCode: aws.String(totp(t, s, totpStep*time.Second)),
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestFaults(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		kind   FaultKind
		code   string
		status int
	}{
		{"500", FaultInternal500, "InternalFailure", 500},
		{"503", FaultUnavailable503, "ServiceUnavailable", 503},
		{"throttle", FaultThrottle, "Throttling", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := StartTest(t, DefaultConfig())
			s.InjectFault(Fault{Action: "GetCallerIdentity", Kind: tt.kind, Count: 1})
			_, err := client(s, bob).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			wantErr(t, err, tt.code, tt.status, "")
			if _, err := client(s, bob).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
				t.Errorf("Count 1 fault fired twice: %v", err)
			}
			if st := s.Stats(); st["GetCallerIdentity"] != 2 || st["Faults"] != 1 {
				t.Errorf("stats %v", st)
			}
		})
	}
	t.Run("SDK retries a 503", func(t *testing.T) {
		s := StartTest(t, DefaultConfig())
		s.InjectFault(Fault{Kind: FaultUnavailable503, Count: 1})
		c := client(s, bob, func(o *sts.Options) { o.RetryMaxAttempts = 2 })
		if _, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
			t.Fatalf("retry did not succeed: %v", err)
		}
	})
	t.Run("action filter", func(t *testing.T) {
		s := StartTest(t, DefaultConfig())
		s.InjectFault(Fault{Action: "AssumeRole", Kind: FaultInternal500})
		if _, err := client(s, bob).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
			t.Fatalf("fault for AssumeRole hit GetCallerIdentity: %v", err)
		}
		_, err := client(s, bob).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::444455556666:role/CodeDeployRole"), RoleSessionName: aws.String("x1")})
		wantErr(t, err, "InternalFailure", 500, "")
		s.ClearFaults()
		if _, err := client(s, bob).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::444455556666:role/CodeDeployRole"), RoleSessionName: aws.String("x1")}); err != nil {
			t.Fatalf("after ClearFaults: %v", err)
		}
	})
	t.Run("reset", func(t *testing.T) {
		s := StartTest(t, DefaultConfig())
		s.InjectFault(Fault{Kind: FaultReset})
		_, err := client(s, bob).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		var ae interface{ ErrorCode() string }
		if err == nil || errors.As(err, &ae) {
			t.Fatalf("want a transport error, got %v", err)
		}
		if calls := s.Calls(); len(calls) != 1 || calls[0].Code != "Reset" {
			t.Fatalf("calls %+v", calls)
		}
	})
	t.Run("hang", func(t *testing.T) {
		s := StartTest(t, DefaultConfig())
		s.InjectFault(Fault{Kind: FaultHang})
		cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		_, err := client(s, bob).GetCallerIdentity(cctx, &sts.GetCallerIdentityInput{})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("want the client deadline, got %v", err)
		}
		if st := s.Stats(); st["Faults"] != 1 {
			t.Errorf("stats %v", st)
		}
	})
	t.Run("hang released by Close", func(t *testing.T) {
		s, err := Start(DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		s.InjectFault(Fault{Kind: FaultHang})
		errc := make(chan error, 1)
		go func() {
			_, err := client(s, bob).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			errc <- err
		}()
		for s.Stats()["Faults"] == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		s.Close()
		if err := <-errc; err == nil {
			t.Fatal("hung call succeeded after Close")
		}
	})
	t.Run("rate", func(t *testing.T) {
		s := New(DefaultConfig())
		s.InjectFault(Fault{Kind: FaultThrottle, Rate: 0.5})
		hit := 0
		for range 200 {
			if _, ok := s.pickFault("AssumeRole"); ok {
				hit++
			}
		}
		if hit == 0 || hit == 200 {
			t.Fatalf("rate 0.5 fired %d of 200 times", hit)
		}
	})
}

func TestLatencyApplies(t *testing.T) {
	s := StartTest(t, DefaultConfig())
	s.SetLatency(time.Hour)
	cctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := client(s, bob).GetCallerIdentity(cctx, &sts.GetCallerIdentityInput{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("latency not applied: %v", err)
	}
	s.SetLatency(0)
	if _, err := client(s, bob).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
}

func TestDateHeader(t *testing.T) {
	s := StartTest(t, DefaultConfig())
	s.SetClockOffset(-3 * time.Hour)
	r := raw(t, s, http.MethodPost, "", "application/x-www-form-urlencoded", "Action=GetCallerIdentity&Version=2011-06-15", &bob, time.Now().Add(-3*time.Hour))
	if r.Status != 200 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	d, err := http.ParseTime(r.Header.Get("Date"))
	if err != nil {
		t.Fatal(err)
	}
	if off := time.Until(d); off > -2*time.Hour {
		t.Errorf("Date %v is not 3 h behind", d)
	}
	if r.Header.Get("Content-Type") != "text/xml" || r.Header.Get("x-amzn-RequestId") == "" {
		t.Errorf("headers %v", r.Header)
	}
}

// awayFromStepEdge waits until the server clock is at least 2 s from a TOTP
// step boundary, so codes computed now stay in the same step.
func awayFromStepEdge(s *Server) {
	for {
		sec := s.Now().Unix() % totpStep
		if sec >= 1 && sec <= totpStep-3 {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestRoleLifetime: with SetRoleLifetime, AssumeRole answers an Expiration
// that far ahead, whatever DurationSeconds asked; sessions are untouched.
func TestRoleLifetime(t *testing.T) {
	s := StartTest(t, DefaultConfig())
	s.SetRoleLifetime(time.Minute)
	sess := session(t, s, 0)
	if exp, _ := s.IssuedExpiry(sess.AccessKeyID); exp.Sub(s.Now()) < time.Hour {
		t.Errorf("session expires in %v: the cap must not apply to sessions", exp.Sub(s.Now()))
	}
	role := assume(t, s, sess, "arn:aws:iam::444455556666:role/CodeDeployRole")
	if exp, _ := s.IssuedExpiry(role.AccessKeyID); exp.Sub(s.Now()) > time.Minute || exp.Sub(s.Now()) < 50*time.Second {
		t.Errorf("role expires in %v, want about 1 minute", exp.Sub(s.Now()))
	}
}
