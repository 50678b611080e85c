// Package jobs runs settle's work: the nightly pipeline steps for one
// business date (refresh, settle, post, reconcile, sync, export), their
// schedule and run ledger, backfill, and the shadow calculator behind
// `settle preview`.
//
// Imports point down: jobs uses settlement, transfer, store and reports;
// nothing but cmd imports jobs.
package jobs
