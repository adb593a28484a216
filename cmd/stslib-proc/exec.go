package main

import (
	"context"
	"io"
	"os"
	"time"

	"github.com/stslib/stslib-proc/serve"
)

type execCmd struct {
	Env     bool     `help:"Export AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and AWS_CREDENTIAL_EXPIRATION instead of the credential endpoint (they die at the role's expiry)."`
	Nest    bool     `help:"Run even inside another 'stslib-proc exec'."`
	MFACode string   `name:"mfa-code" help:"MFA code, if a new session is needed (or STSLIB_MFA_CODE)."`
	Profile string   `arg:"" help:"Role profile." predictor:"profile"`
	Command []string `arg:"" passthrough:"" help:"The command and its arguments, after --."`
}

func (c *execCmd) Help() string {
	return "Runs COMMAND with credentials for ROLE that stay valid for the whole MFA session: a loopback " +
		"credential endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI, with a random AWS_CONTAINER_AUTHORIZATION_TOKEN) " +
		"that the AWS CLI and SDKs in the child read and refresh by themselves, renewed ahead of each role's expiry. " +
		"AWS_PROFILE and every other AWS credential variable are removed from the child's environment, and " +
		"AWS_SHARED_CREDENTIALS_FILE points at an empty file. Signals are passed on; the child's exit status is returned.\n\n" +
		"Examples:\n  stslib-proc exec DynamoDBRole-dev -- terraform apply\n  stslib-proc exec DynamoDBRole-dev --env -- ./short-script.sh"
}

func (c *execCmd) Run(d *deps) error {
	ctx := context.Background()
	command := c.Command
	if len(command) > 0 && command[0] == "--" {
		command = command[1:]
	}
	code, err := serve.Exec(ctx, d.serveEnv(), serve.ExecOptions{
		Profile: c.Profile, Command: command, Env: c.Env, Nest: c.Nest, MFACode: c.MFACode,
		Stdin: os.Stdin, Stdout: d.Stdout, Stderr: rawStderr(d),
	})
	if err != nil {
		return err
	}
	if code != 0 {
		return childExit(code)
	}
	return nil
}

// rawStderr is stderr without the control-character filter: the child's
// output is its own.
func rawStderr(d *deps) io.Writer {
	if e, ok := d.Stderr.(escapeControls); ok {
		return e.w
	}
	return d.Stderr
}

// childExit is a child's exit status, which exec returns as its own
// without a message.
type childExit int

func (c childExit) Error() string { return "the command exited with a non-zero status" }

type serveCmd struct {
	Listen      string        `default:"127.0.0.1:0" help:"HOST:PORT to listen on (default: a free loopback port)."`
	AllowRemote bool          `name:"allow-remote" help:"Allow a non-loopback listen address and clients (the token is still required)."`
	TokenFile   string        `name:"token-file" help:"Where to write the token (0600; default: the state directory's serve.token)."`
	Tick        time.Duration `hidden:"" default:"2s" help:"How often roles are renewed ahead of their expiry."`
}

func (c *serveCmd) Help() string {
	return "Serves role credentials in the ECS container-credentials format at /role/ROLE until SIGTERM, for containers " +
		"and other tools. It prints the base URL and the token file, one line each. Every request needs the token; " +
		"requests from other addresses than loopback are refused unless --allow-remote. It never prompts: log in first.\n\n" +
		"Docker, with the printed URL and token file:\n" +
		"  docker run --network host \\\n" +
		"    -e AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:PORT/role/DynamoDBRole-dev \\\n" +
		"    -e AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=/token -v TOKEN_FILE:/token:ro IMAGE"
}

func (c *serveCmd) Run(d *deps) error {
	ctx, stop := signalContext()
	defer stop()
	return serve.Listen(ctx, d.serveEnv(), serve.ListenOptions{
		Listen: c.Listen, AllowRemote: c.AllowRemote, TokenFile: c.TokenFile, Out: d.Stdout, Tick: c.Tick,
	})
}
