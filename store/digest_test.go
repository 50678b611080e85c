package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

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

// TestReconcileChecksFindTheAnswerWhateverItsIntentRef: the checks find
// each intent's answer by its transfer id, whether the answer row names
// the intent (the usual case, found through the intents' index on
// SQLite), names none (recorded before the intent was completed) or names
// another intent; and on SQLite the usual case reads the intents' index,
// not the transfer ids' (random, 3× slower at a million transfers). The
// workbook's transfers and history find the same answers (migration 17);
// without the fallback to the transfer id they lost the two whose row
// does not name their intent.
func TestReconcileChecksFindTheAnswerWhateverItsIntentRef(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, c *clock, _ testDB) {
		ctx := context.Background()
		var recs []SettlementRecord
		for _, p := range []string{"pay-own", "pay-none", "pay-other", "pay-off"} {
			recs = append(recs, sampleSettlement("partner-1", p, 2))
		}
		if _, err := s.SaveSettlements(ctx, recs); err != nil {
			t.Fatal(err)
		}
		claimed, err := s.ClaimIntents(ctx, "a", 10, time.Minute)
		if err != nil || len(claimed) != len(recs) {
			t.Fatalf("claimed %d intents, %v", len(claimed), err)
		}
		for _, in := range claimed {
			ans := PortOneTransfer{TransferID: in.IntentID, Status: settlement.StatusScheduled, Raw: []byte(`{}`), Transfer: recs[0].Transfer}
			ans.Transfer.PaymentID = in.PaymentID
			for _, r := range recs {
				if r.Transfer.PaymentID == in.PaymentID {
					ans.Transfer = r.Transfer
				}
			}
			if in.PaymentID == "pay-off" {
				ans.Transfer.Amounts.PlatformFee++
			}
			if err := s.CompleteIntent(ctx, in.IntentID, "a", IntentPosted, ans); err != nil {
				t.Fatal(err)
			}
		}
		for q, arg := range map[string]any{
			"UPDATE portone_transfers SET intent_ref = NULL WHERE payment_id = ?":                                   "pay-none",
			"UPDATE portone_transfers SET intent_ref = (SELECT MIN(id) FROM transfer_intents) WHERE payment_id = ?": "pay-other",
		} {
			if err := s.w(ctx).Exec(q, arg).Error; err != nil {
				t.Fatal(err)
			}
		}
		got := map[settlement.PaymentID]string{}
		if err := s.ReconcileChecks(ctx, settlement.MustDate("2025-10-01"), func(ch *ReconcileCheck) error {
			got[ch.PaymentID] = fmt.Sprintf("answered %t differs %t %s", ch.Answered, ch.Differs, ch.Status)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		want := map[settlement.PaymentID]string{"pay-own": "answered true differs false SCHEDULED", "pay-none": "answered true differs false SCHEDULED",
			"pay-other": "answered true differs false SCHEDULED", "pay-off": "answered true differs true SCHEDULED"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("checks (-want +got):\n%s", diff)
		}
		// The workbook finds the same answers (migration 17: through the
		// intents' index, or the transfer id when that has not got it).
		want = map[settlement.PaymentID]string{}
		for _, r := range recs {
			want[r.Transfer.PaymentID] = fmt.Sprintf("SCHEDULED %t %d lines %d", true, r.Transfer.Amounts.Settlement, len(r.Transfer.Lines))
		}
		got = map[settlement.PaymentID]string{}
		d := settlement.MustDate("2025-10-01")
		if err := s.ReportTransfers(ctx, Query{From: d, To: d}, func(rt *ReportTransfer) error {
			lines := 0
			for _, l := range rt.Lines {
				if l.HasPortOne {
					lines++
				}
			}
			got[rt.PaymentID] = fmt.Sprintf("%s %t %d lines %d", rt.TransferStatus, rt.HasPortOne, rt.PortOne, lines)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("workbook transfers (-want +got):\n%s", diff)
		}
		got = map[settlement.PaymentID]string{}
		if err := s.ReportHistory(ctx, Query{From: d, To: d}, func(rs *ReportStatus) error {
			got[rs.PaymentID] += fmt.Sprintf("SCHEDULED %t %d lines %d", rs.To == settlement.StatusScheduled, rs.Settlement, len(recs[0].Transfer.Lines))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("workbook history (-want +got):\n%s", diff)
		}
		if s.dialect != SQLite {
			return
		}
		plan := strings.Join(explainPlan(t, s.w(ctx), "SELECT p.id FROM transfer_intents i LEFT JOIN portone_transfers p ON "+s.answerOfIntent()), "\n")
		if !strings.Contains(plan, "portone_transfers_intent") {
			t.Errorf("the answers are not looked up through their intents' index:\n%s", plan)
		}
	})
}
