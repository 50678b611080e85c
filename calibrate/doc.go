// Package calibrate finds out which rules PortOne applies for a merchant:
// `settle calibrate`. PortOne has no preview endpoint and leaves several
// rules open (portone-platform.md §10); the merchant may have changed its
// formulas in the console. The only way to know is to post transfers and
// look, so calibrate posts a small designed set of probe orders and cancels
// to PortOne's test environment, compares PortOne's answers with what each
// candidate rule would give, and returns the settlement.Rules that explain
// every answer, with the evidence for each choice.
//
// It imports settlement and transfer only.
//
// Invariants:
//   - Test mode only: Run refuses unless Options.TestMode (ErrLive). Probes
//     are real transfers; the live environment is never touched.
//   - Nothing is left behind: probe transfers start in the future (PortOne
//     keeps them SCHEDULED, which it lets delete), and every transfer of the
//     probe partner is deleted, cancels first, at the start of a run (what
//     an interrupted run left) and at its end, even when the context is
//     cancelled.
//   - Idempotent: probe transfers carry client ids derived from the run id,
//     so a retried request adopts what PortOne holds; the setup (partner,
//     contracts, policies) has fixed ids and is created once, or brought
//     back to the probe values.
//   - The probes separate every choice: for every rounding, formula base and
//     variant, some probe field differs between any two values
//     (TestProbesSeparateEveryChoice), so the rules found are the only ones
//     that explain the answers among those calibrate knows.
package calibrate
