// Package jobs runs settle's work: the nightly pipeline steps for one
// business date (refresh, settle, post, sync, reconcile, export), their
// schedule (Serve, robfig/cron in the business time zone), the run ledger,
// backfill, the shadow calculator behind `settle preview` and `settle demo`.
//
// Imports point down: jobs uses settlement, transfer, store and reports;
// nothing but cmd imports jobs (its subpackages ingest and demodata serve
// it and never import it).
//
// Invariants:
//
//   - Every transfer has one intent, keyed by (partner, payment, kind,
//     cancellation), whose client transfer id is stored with the settlement
//     before the first POST and sent on every retry and rerun; PortOne's
//     409 for it means adopt. So no crash, retry, rerun or second instance
//     posts a transfer twice.
//   - A cancel reaches PortOne only after its order transfer and every
//     earlier cancel of the same payment: partial cancels are computed on
//     what remains, so PortOne must apply them in our order.
//   - The run ledger runs each job once per business date across
//     instances; a job never starts before the one before it is done
//     (Nightly waits for a job running elsewhere, and helps post meanwhile).
//     Jobs resume from the store's state, so a killed run needs no cleanup.
//   - Records that arrive after their date's settle run are settled by the
//     next run, with their own settlementStartDate; rejected records are
//     kept with their reason and retried only by a forced rerun of their date.
//   - Reconcile compares with zero tolerance; rejected input records are
//     listed but do not fail a run (they are not differences with PortOne).
package jobs
