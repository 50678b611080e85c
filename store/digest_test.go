package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/settle-dev/settle/settlement"
)

// TestReconcileChecksByDigest: a pair whose settlement and answer carry
// compare digests is told apart by them (a line's amount off by one
// differs, an equal answer does not), and pairs stored before digests
// were kept, on one side or both, are compared column by column with the
// same verdicts.
func TestReconcileChecksByDigest(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, c *clock, _ testDB) {
		ctx := context.Background()
		same, off := sampleSettlement("partner-1", "pay-same", 3), sampleSettlement("partner-1", "pay-off", 3)
		if _, err := s.SaveSettlements(ctx, []SettlementRecord{same, off}); err != nil {
			t.Fatal(err)
		}
		claimed, err := s.ClaimIntents(ctx, "a", 10, time.Minute)
		if err != nil || len(claimed) != 2 {
			t.Fatalf("claimed %d intents, %v", len(claimed), err)
		}
		for _, in := range claimed {
			ans := PortOneTransfer{TransferID: settlement.TransferID("tr-" + string(in.PaymentID)), Status: settlement.StatusScheduled, Raw: []byte(`{}`)}
			ans.Transfer = same.Transfer
			if in.PaymentID == "pay-off" {
				ans.Transfer = off.Transfer
				ans.Transfer.Lines = append([]settlement.LineResult(nil), off.Transfer.Lines...)
				ans.Transfer.Lines[2].Amounts.PlatformFeeVat++
			}
			if err := s.CompleteIntent(ctx, in.IntentID, "a", IntentPosted, ans); err != nil {
				t.Fatal(err)
			}
		}
		check := func(when string) {
			t.Helper()
			got := map[settlement.PaymentID]bool{}
			if err := s.ReconcileChecks(ctx, settlement.MustDate("2025-10-01"), func(ch *ReconcileCheck) error {
				got[ch.PaymentID] = ch.Differs
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got["pay-same"] || !got["pay-off"] {
				t.Errorf("%s: differs %v, want pay-off alone", when, got)
			}
		}
		check("with digests")
		// The driver does not watch the run's context (quiet): the stream
		// checks it before every row, and stops at the next one.
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		n := 0
		err = s.ReconcileChecks(cctx, settlement.MustDate("2025-10-01"), func(*ReconcileCheck) error { n++; cancel(); return nil })
		if !errors.Is(err, context.Canceled) || n != 1 {
			t.Errorf("cancelled at the first check: %d checks, %v; want 1 and context.Canceled", n, err)
		}
		for _, table := range []string{"portone_transfers", "settlements"} {
			if err := s.w(ctx).Exec("UPDATE " + table + " SET compare_digest = ''").Error; err != nil {
				t.Fatal(err)
			}
			check("without the digests of " + table)
		}
	})
}
