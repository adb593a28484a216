// Package owner keeps stslib-proc from writing where another user's files
// are: [Check] refuses a data directory in which anything belongs to
// someone other than the user running stslib-proc (the root-owned files a
// "sudo stslib-proc …" left behind would otherwise lock the user out with a
// confusing error later), and [CheckHome] refuses to run as root with
// another user's HOME (where root would leave such files). Their errors are
// one line that says whose the files are and how to fix it, and nothing is
// changed.
//
// It checks; it never changes an owner. On Windows, where files have no
// Unix owner, both checks pass.
package owner
