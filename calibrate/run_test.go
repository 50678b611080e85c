package calibrate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/settle-dev/settle/emulator"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

// newEmulator starts an emulator that plays a merchant with rules, and a
// client of its test environment.
func newEmulator(t *testing.T, rules *settlement.Rules) (*emulator.Server, *transfer.Client) {
	t.Helper()
	now := func() time.Time { return time.Date(2026, 11, 30, 10, 0, 0, 0, seoul) }
	emu, url := emulator.NewTestServer(t, emulator.Options{Secret: "calibrate-secret-123", Now: now, Location: seoul, Rules: rules})
	c, err := transfer.New(transfer.Config{BaseURL: url, APISecret: "calibrate-secret-123", TestMode: true, MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return emu, c
}

func probeTransfers(emu *emulator.Server) []string {
	var ids []string
	for _, tr := range emu.Transfers(true) {
		if strings.Contains(string(tr.Partner), PartnerID) {
			ids = append(ids, tr.ID)
		}
	}
	return ids
}

// TestRunAgainstEmulators: calibration against emulators that play each
// variant in turn (and the help center's formulas) finds exactly the rules
// the emulator plays, says so in its findings, and leaves no probe
// transfer behind.
func TestRunAgainstEmulators(t *testing.T) {
	truths := map[string]settlement.RulesSpec{
		"defaults": {Name: "truth"},
		"helpcenter": {Name: "truth", Formulas: []settlement.FormulaSpec{
			{Key: settlement.FormulaPlatformFee, Formula: "PAYMENT_AMOUNT * FIXED_RATE + FIXED_AMOUNT"},
			{Key: settlement.FormulaAdditionalFee, Formula: "PAYMENT_AMOUNT * FIXED_RATE + FIXED_AMOUNT"},
			{Key: settlement.FormulaSettlement, Formula: "ORDER_AMOUNT - PLATFORM_FEE_AMOUNT - ADDITIONAL_FEE_AMOUNT"},
		}},
	}
	for _, v := range settlement.VariantList {
		for _, c := range v.Choices[1:] {
			truths[v.Key+"="+c] = settlement.RulesSpec{Name: "truth", Variants: settlement.Variants{}.With(v.Key, c)}
		}
	}
	for name, spec := range truths {
		t.Run(name, func(t *testing.T) {
			truth, err := settlement.NewRules(spec)
			if err != nil {
				t.Fatal(err)
			}
			emu, c := newEmulator(t, truth)
			rep, err := Run(context.Background(), c, Options{TestMode: true, Now: func() time.Time { return time.Date(2026, 11, 30, 10, 0, 0, 0, seoul) }, Name: "truth"})
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Exact {
				t.Fatalf("not exact:\n%s", strings.Join(rep.Mismatches, "\n"))
			}
			if rep.Rules.Text() != truth.Text() {
				t.Errorf("found\n%s\nthe emulator plays\n%s", rep.Rules.Text(), truth.Text())
			}
			for _, v := range settlement.VariantList {
				want := truth.Variants().Get(v.Key)
				found := false
				for _, f := range rep.Findings {
					found = found || f.Key == "variants."+v.Key && f.Choice == want && strings.Contains(f.Evidence, "not ")
				}
				if !found {
					t.Errorf("no finding variants.%s = %s with evidence: %+v", v.Key, want, rep.Findings)
				}
			}
			if left := probeTransfers(emu); len(left) > 0 || len(rep.Leftovers) > 0 {
				t.Errorf("probe transfers left behind: %v %v", left, rep.Leftovers)
			}
			if rep.Deleted != 11 {
				t.Errorf("deleted %d probe transfers, want 11 (9 orders, 2 cancels)", rep.Deleted)
			}
		})
	}
}

func TestRunRefusesLive(t *testing.T) {
	_, c := newEmulator(t, nil)
	if _, err := Run(context.Background(), c, Options{TestMode: false}); !errors.Is(err, ErrLive) {
		t.Fatalf("Run without test mode: %v, want ErrLive", err)
	}
}

// interrupting wraps a client and cancels the run after a few probes.
type interrupting struct {
	*transfer.Client
	cancel func()
	n      atomic.Int32
}

func (c *interrupting) CreateOrderTransfer(ctx context.Context, b transfer.CreateOrderTransferBody) (transfer.CreateResult, error) {
	r, err := c.Client.CreateOrderTransfer(ctx, b)
	if c.n.Add(1) == 3 {
		c.cancel()
	}
	return r, err
}

// TestRunInterruptedAndAgain: a run interrupted after three probes deletes
// what it posted on the way out; later runs (the same setup, reused)
// calibrate as if nothing had happened.
func TestRunInterruptedAndAgain(t *testing.T) {
	emu, c := newEmulator(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	now := func() time.Time { return time.Date(2026, 11, 30, 10, 0, 0, 0, seoul) }
	_, err := Run(ctx, &interrupting{Client: c, cancel: cancel}, Options{TestMode: true, Now: now, RunID: "first"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v, want context.Canceled", err)
	}
	if left := probeTransfers(emu); len(left) > 0 {
		t.Fatalf("an interrupted run left %v", left)
	}
	for i := range 2 {
		rep, err := Run(context.Background(), c, Options{TestMode: true, Now: now, RunID: fmt.Sprint("again-", i)})
		if err != nil || !rep.Exact || !rep.Rules.IsDefault() {
			t.Fatalf("run after an interrupted one: %v, exact %v, rules %s", err, rep != nil && rep.Exact, rep.Rules.Version())
		}
	}
	if left := probeTransfers(emu); len(left) > 0 {
		t.Fatalf("left %v", left)
	}
}

// undeletable is a client whose deletes fail, like a process killed before
// it could clean up.
type undeletable struct{ *transfer.Client }

func (undeletable) DeleteTransfer(context.Context, string) error { return errors.New("killed") }

// TestRunCleansUpAfterAKilledRun: probes a run could not delete are
// reported, and the next run deletes them before it posts its own.
func TestRunCleansUpAfterAKilledRun(t *testing.T) {
	emu, c := newEmulator(t, nil)
	now := func() time.Time { return time.Date(2026, 11, 30, 10, 0, 0, 0, seoul) }
	rep, err := Run(context.Background(), undeletable{c}, Options{TestMode: true, Now: now, RunID: "killed"})
	if err != nil || len(rep.Leftovers) != 11 || len(probeTransfers(emu)) != 11 {
		t.Fatalf("killed run: %v, leftovers %v, at the emulator %v", err, rep.Leftovers, probeTransfers(emu))
	}
	rep, err = Run(context.Background(), c, Options{TestMode: true, Now: now, RunID: "next"})
	if err != nil || !rep.Exact || rep.Deleted != 22 || len(probeTransfers(emu)) != 0 {
		t.Fatalf("next run: %v, deleted %d, at the emulator %v", err, rep.Deleted, probeTransfers(emu))
	}
}
