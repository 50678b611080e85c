// Package jobs is settle's nightly pipeline: the jobs of one business date
// (refresh, settle, post, sync, reconcile, payouts, export; typed Job names), their
// schedule (Serve, robfig/cron in the business time zone), the run ledger
// and backfill.
//
// Imports point down: jobs uses settlement, transfer, store and reports;
// httpapi, demo and cmd use jobs.
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
//   - PortOne's answer (to a POST, an adoption, a GET during sync) goes
//     through transfer.Observe once, before anything keeps it: the store
//     holds it in the shape of our own transfers, a cancel positive, no
//     account; nothing downstream flips a sign.
//   - The run ledger runs each job once per business date across
//     instances; a job never starts before the one before it is done
//     (Nightly waits for a job running elsewhere, and helps post meanwhile).
//     Jobs resume from the store's state, so a killed run needs no cleanup.
//   - Nothing accepted is stranded: the settle run of d settles every
//     record of d or of any earlier date that has no settlement, however
//     old (one that arrived after its date's run, a cancel whose order came
//     later), under d and with its own settlementStartDate. What still
//     waits is counted by reason in the run's counts (waiting_<reason>,
//     store.WaitingRecords): its date's run has not come, its order is not
//     settled, or the rules refused it, in which case it is kept in rejected
//     records with its reason and retried only by a forced rerun of its date.
//   - A failed or conflicting intent stays so until a person decides:
//     Retry re-queues it (same id, same bytes) and resets the ledger of
//     post, sync, reconcile and export of its date, so the next run of the
//     date posts it; ReadStatus shows what needs a person and the command
//     that helps, oldest date first.
//   - A posted record is corrected only through PortOne's own means:
//     VoidDeletingTransfer deletes its transfer at PortOne (refused before
//     anything changes when PortOne would not delete it) and then voids it,
//     so the corrected record posts under its next generation's id; Adjust
//     posts a manual transfer. A correction cut between PortOne's delete
//     and the void is finished by running it again.
//   - Reconcile compares with zero tolerance; rejected input records are
//     listed but do not fail a run (they are not differences with PortOne).
//     The adjustments made on its date are read back (one listing of
//     PortOne's MANUAL transfers over their settlement dates) and compared
//     as settle adjust --check compares them; their mismatches belong to
//     that date, as an order's belong to its business date.
//   - Payouts (payouts.go) checks what partners receive the same way: the
//     partner settlements our posted transfers make, and the payout each
//     of PortOne's payouts should be for the settlements its bulk payout
//     pays, field by field with zero tolerance; a failed payout and a
//     withheld or excluded settlement are mismatches too (money stopped
//     short of a partner), each reported once.
//   - A run that leaves transfers failed, conflicting, or pending after its
//     post job is done is not a success: CheckIntents returns an
//     *AttentionError (ErrNeedsAttention; `settle` exits 4).
//   - An export never replaces an existing file with one that has no
//     settlement for its range unless forced (ErrEmptyExport): an empty
//     range is far more often a wrong database than a quiet day.
//   - Serve binds its listener before the catch-up run, and retries a
//     failed scheduled or catch-up run with doubling backoff until the next
//     scheduled run would start; /readyz reads the outcome (CheckLastRun).
package jobs
