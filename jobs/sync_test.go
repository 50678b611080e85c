package jobs

import (
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/store/storetest"
)

// syncCalls is what one sync asked PortOne: its list filters and how many
// transfers it fetched in full.
type syncCalls struct {
	filters []string
	gets    int
}

func (h *harness) sync(t *testing.T) (Counts, syncCalls) {
	t.Helper()
	h.emu.ResetRequests()
	c, err := h.p.Sync(context.Background(), h.p.Today(), RunOptions{})
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	var calls syncCalls
	for _, r := range h.emu.Requests() {
		switch {
		case r.Path == "/platform/transfer-summaries":
			q, _ := url.ParseQuery(r.Query)
			if body := q.Get("requestBody"); strings.Contains(body, `"number":0`) {
				calls.filters = append(calls.filters, body[strings.Index(body, `"filter"`):])
			}
		case r.Method == "GET" && strings.HasPrefix(r.Path, "/platform/transfers/"):
			calls.gets++
		}
	}
	return c, calls
}

// statuses is the recorded status of every transfer of d.
func (h *harness) statuses(t *testing.T, d settlement.Date) map[settlement.TransferID]settlement.TransferStatus {
	t.Helper()
	out := map[settlement.TransferID]settlement.TransferStatus{}
	err := h.st.IntentsOn(context.Background(), d, func(in *store.Intent) error {
		pt, err := h.st.PortOneTransferByID(context.Background(), in.PortOneTransferID)
		if err != nil {
			return err
		}
		out[pt.TransferID] = pt.Status
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSyncFollowsOnlyWhatCanChange: sync asks PortOne about the transfers
// whose status can change tonight and no others, by the dates that hold
// them; a status that moved with amounts and dates unchanged is recorded
// from the listing, without a GET per transfer, and appended to the
// status history; a payout is followed with a statuses filter; a transfer
// paid out is followed no more; a transfer due and not listed is fetched
// and, gone at PortOne, counted.
func TestSyncFollowsOnlyWhatCanChange(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			h := newHarness(t, db.DSN, filepath.Join("..", "testdata", "pipeline", "marketplace.json"))
			h.importFiles(t, filepath.Join("..", "testdata", "pipeline", "orders.jsonl"))
			d := settlement.MustDate("2025-09-29")
			if _, err := h.nightlyAt(t, d); err != nil {
				t.Fatalf("nightly: %v", err)
			}
			before := h.statuses(t, d)
			var last settlement.Date
			err := h.st.IntentsOn(context.Background(), d, func(in *store.Intent) error {
				pt, err := h.st.PortOneTransferByID(context.Background(), in.PortOneTransferID)
				if err == nil && pt.SettlementDate.After(last) {
					last = pt.SettlementDate
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}

			// The night after posting: nothing is due, nothing is asked.
			if c, calls := h.sync(t); len(calls.filters) != 0 || calls.gets != 0 || c["changed"] != 0 {
				t.Errorf("sync the night after posting (%v): %d listings %v, %d GETs; want none", before, len(calls.filters), calls.filters, calls.gets)
			}

			// Past every settlement date: each transfer is SETTLED, recorded
			// from the listings by settlement date.
			h.clock.Set(time.Date(last.Year, last.Month, last.Day+1, 3, 0, 0, 0, h.loc))
			c, calls := h.sync(t)
			after := h.statuses(t, d)
			for id, st := range after {
				if st != settlement.StatusSettled {
					t.Errorf("transfer %s is %s after its settlement date, want SETTLED", id, st)
				}
			}
			scheduled := 0
			for _, st := range before {
				if st == settlement.StatusScheduled {
					scheduled++
				}
			}
			if c["changed"] != int64(len(before)) || calls.gets != scheduled {
				t.Errorf("sync past the settlement dates: counts %v, %d GETs; want %d changed and a GET only for the %d SCHEDULED", c, calls.gets, len(before), scheduled)
			}
			for _, f := range calls.filters {
				if !strings.Contains(f, `"settlementDateRange"`) {
					t.Errorf("listing %s: want a settlement-date range", f)
				}
			}
			var hist int
			if err := h.st.StatusHistory(context.Background(), store.Query{}, func(sc *store.StatusChange) error {
				if sc.Source == "sync" && sc.To == settlement.StatusSettled {
					hist++
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if hist != len(before) {
				t.Errorf("%d SETTLED entries from sync in the status history, want %d", hist, len(before))
			}

			// Payouts: one confirmed, one paid out.
			var ids []settlement.TransferID
			for id := range after {
				ids = append(ids, id)
			}
			h.emu.ForceStatus(false, string(ids[0]), settlement.StatusPayoutConfirmed)
			h.emu.ForceStatus(false, string(ids[1]), settlement.StatusPaidOut)
			c, calls = h.sync(t)
			if got := h.statuses(t, d); got[ids[0]] != settlement.StatusPayoutConfirmed || got[ids[1]] != settlement.StatusPaidOut || c["changed"] != 2 || calls.gets != 0 {
				t.Errorf("after payouts: %s %s, %s %s, counts %v, %d GETs; want PAYOUT_CONFIRMED and PAID_OUT from the listing",
					ids[0], got[ids[0]], ids[1], got[ids[1]], c, calls.gets)
			}
			for _, f := range calls.filters {
				if !strings.Contains(f, `"statuses":["PAYOUT_CONFIRMED","IN_PAYOUT","PAID_OUT"]`) {
					t.Errorf("payout listing %s: want the statuses after SETTLED", f)
				}
			}
			if c["open"] != int64(len(before)) {
				t.Errorf("followed %d, want the %d settled transfers", c["open"], len(before))
			}
			c, _ = h.sync(t)
			if c["open"] != int64(len(before)-1) || c["changed"] != 0 {
				t.Errorf("the night after: counts %v; want the paid-out transfer followed no more and nothing changed", c)
			}
		})
	}
}
