// Package cache keeps expiring secret records (STS sessions and role
// credentials) so that repeated credential_process calls cost almost nothing
// and concurrent processes share one refresh.
//
// It owns [Cache], [Entry], [IndexEntry], the [Backend] interface its stores
// satisfy, [Window] and the sentinels [ErrMiss] and [ErrLockTimeout]. It does
// not know what a record contains (that is credproc's encoding) nor how
// secrets are stored (that is package keychain, plugged in by cmd as
// [Backend] values).
//
// # Layout
//
// Under Cache.Dir (0700):
//
//	index/<fnv128a(key)>.json       0600  one small non-secret file per key:
//	                                      key, kind, profile, start, expires, backend
//	locks/<fnv128a(key)>.lock       0600  flock files for single-flight refresh
//
// The index holds names and times only; the secret payload goes only to the
// backends, wrapped in an envelope (key, kind, profile, times, data, CRC-32)
// so a corrupt, truncated or foreign record reads as [ErrMiss], never as
// wrong credentials. One index file per key, replaced by rename, means a
// reader never sees a half-written index and writers never need a
// read-modify-write (so no index lock); [Cache.List] reads the directory.
//
// # Tiers and the warm path
//
// Backend is the durable store (OS keyring, age files). Hot is an optional
// fast tier (the Linux kernel keyring); it is written with the record's
// remaining life as TTL when it has a SetWithTTL(key, data, ttl) method,
// and failures to write it are ignored (it is best effort).
//
// [Cache.Fetch] first reads the key's index file; if it names a fresh record
// it reads Hot and returns without taking any lock and without touching
// Backend. Only when Hot misses is Backend read (and Hot refilled).
//
// # Single flight
//
// When the record is missing, stale or inside its refresh window, Fetch
// takes an exclusive flock for the key (bounded by Cache.LockTimeout, 20 s
// by default, well under the SDKs' 60 s credential_process timeout), reads
// again — another process may have refreshed meanwhile — and only then
// calls refresh. So N processes starting at once cause one MFA prompt and
// one STS call. If refresh fails while the old record is still valid, Fetch
// returns it with the failure as a warning.
//
// # Refresh window
//
// A record is fresh while now < Expires - window. [Window] picks the window:
// 15 minutes (botocore's advisory refresh time) for lifetimes of 30 minutes
// or more, half the lifetime for shorter ones, so a 15-minute role is
// refreshed after 7.5 minutes instead of on every call.
package cache
