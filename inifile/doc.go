// Package inifile reads AWS shared credentials and config files exactly as
// botocore does, and edits them without changing a byte it does not own.
//
// It owns: the one reader of those files ([Parse]: a port of Python's
// configparser.RawConfigParser as botocore configures it, plus botocore's
// nested blocks, and [ProfileName] and [ShellSplit] for botocore's
// "[profile NAME]" headers), splicing owned sections in
// and out of the text ([Splice], [Owned]), section name rules ([ValidName]),
// the sidecar lock shared by every writer ([Lock]), atomic replacement of the
// file ([Update], [WriteSection], [RemoveOwned]) and masked diffs for dry runs
// ([Diff]).
//
// A section is owned when it carries [ManagedKey] = true. Owned sections are
// written as
//
//	[NAME]
//	# managed by stslib-proc; rewritten by 'stslib-proc sync'
//	KEY = VALUE          (in the order the caller gives)
//	x_stslib_managed = true
//
// A section's block runs from its header line through its last key or
// continuation line; comments and blank lines after it are left to the user,
// since they usually describe the next section. Every byte outside owned
// blocks is preserved: comments, alignment, quotes, "#" and ";" inside values
// (the AWS CLI has no inline comments), tabs, "key: value" lines,
// continuation lines, CRLF and a missing final newline. New lines use the
// file's dominant line ending. A leading UTF-8 BOM is kept, although botocore
// itself refuses such files.
//
// Files botocore would refuse (duplicate sections or keys, keys before the
// first header, lines that are not key = value, invalid UTF-8) are refused
// with a [*ParseError] naming the file and line, and nothing is written.
// Sections that exist without the marker are refused with [ErrNotOwned]
// unless Force is set.
//
// It does not own: where the files live (callers pass paths), what the keys
// mean, or the credentials themselves. It never serialises the file with
// any other INI library.
package inifile
