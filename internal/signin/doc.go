// Package signin turns role credentials into an AWS console sign-in URL
// and opens it.
//
// It owns the partitions stslib-proc can sign in to ([PartitionOf]: aws,
// aws-cn and aws-us-gov, from the role ARN; any other is
// [ErrUnknownPartition], never a guess), the console destinations
// ([Partition.Destination]: the console home of a region, a service's home
// page, or a full console URL), the federation endpoint's getSigninToken
// request ([Client.URL]) with the SessionDuration rule (never sent for
// credentials from role chaining, which AWS refuses; their console
// sessions last at most one hour), the Action=login URL
// ([Partition.LoginURL]) and the platform's opener ([Launcher]: xdg-open,
// open, rundll32 url.dll,FileProtocolHandler, run without a shell).
//
// The sign-in URL grants console access to whoever holds it for 15
// minutes, so nothing here writes it or the SigninToken anywhere: errors
// and debug lines name hosts and statuses only. Handing the URL to the
// opener on its command line is the one exception, which a browser opener
// cannot avoid (SECURITY.md says so).
//
// It does not get credentials (the caller passes a role's, from the
// serving path), read the environment (the caller passes
// STSLIB_FEDERATION_URL as [Client.FederationURL]), or print anything. The
// HTTP client, the clock and the program runner are fields, so tests use
// fakes.
package signin
