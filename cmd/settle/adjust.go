package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/settle-dev/settle/jobs"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// runAdjust is `settle adjust`: a manual transfer at PortOne corrects a
// partner's settlement after its transfers were posted; `--check` reads
// every adjustment back from PortOne and compares.
func runAdjust(ctx context.Context, e *env) error {
	fs := newFlags(e, "adjust", "--partner P --ref REF --amount WON --settlement-date D --reason TEXT [--tax-free WON] [--memo TEXT] [--by NAME]\n"+
		"       settle adjust --check [--partner P]")
	partner := fs.String("partner", "", "partner id")
	ref := fs.String("ref", "", "your reference (ticket id): the same partner and reference are one adjustment, however often run")
	amount := fs.String("amount", "", "settlement amount in won; negative takes back")
	taxFree := fs.String("tax-free", "0", "tax-free part of the amount, in won")
	date := fs.String("settlement-date", "", "the settlement date it is paid with (YYYY-MM-DD)")
	reason := fs.String("reason", "", "why (kept with the adjustment; required)")
	memo := fs.String("memo", "", "memo PortOne keeps on the transfer")
	by := fs.String("by", "", "who adjusts (default: the login name)")
	check := fs.Bool("check", false, "read every adjustment back from PortOne, compare, and list them")
	if err := parseFlags(fs, e.args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if *check {
		return checkAdjustments(ctx, e, settlement.PartnerID(*partner))
	}
	sp := store.AdjustmentSpec{PartnerID: settlement.PartnerID(strings.TrimSpace(*partner)), Reference: strings.TrimSpace(*ref),
		Memo: *memo, Reason: strings.TrimSpace(*reason), By: strings.TrimSpace(*by)}
	switch {
	case sp.PartnerID == "":
		return usagef("--partner is required")
	case sp.Reference == "":
		return usagef("--ref is required: the ticket or note this adjustment answers (it keeps a rerun from adjusting twice)")
	case sp.Reason == "":
		return usagef("--reason is required: say why (it is kept with the adjustment)")
	}
	for _, f := range []struct {
		name, v string
		dst     *settlement.Won
	}{{"amount", *amount, &sp.Amount}, {"tax-free", *taxFree, &sp.TaxFree}} {
		n, err := strconv.ParseInt(strings.ReplaceAll(f.v, ",", ""), 10, 64)
		if err != nil {
			return usagef("--%s %q: want whole won, e.g. 500 or -1200", f.name, f.v)
		}
		*f.dst = settlement.Won(n)
	}
	if sp.Amount == 0 {
		return usagef("--amount is required and not zero")
	}
	d, err := parseDateFlag("settlement-date", *date)
	if err != nil {
		return err
	}
	sp.SettlementDate = d
	if sp.By, err = actor(sp.By, "who adjusts"); err != nil {
		return err
	}
	w, err := wire(ctx, e, true, ".")
	if err != nil {
		return err
	}
	defer w.Close()
	a, err := jobs.Adjust(ctx, w.st, w.api, sp, e.cfg.TestMode)
	var ce *store.ConflictError
	if errors.As(err, &ce) {
		return usagef("%v; use another --ref for another adjustment", err)
	}
	if err != nil {
		return err
	}
	switch a.Status {
	case store.IntentPosted, store.IntentAdopted:
		fmt.Fprintf(e.stdout, "Adjusted partner %q by %s won on %s (reference %s): PortOne transfer %s, %s.\n",
			a.PartnerID, jobs.FormatWon(a.Amount), a.SettlementDate, a.Reference, a.PortOneTransferID, a.PortOneStatus)
		return nil
	default:
		return fmt.Errorf("adjustment %s of partner %q is %s: %s", a.Reference, a.PartnerID, a.Status, a.LastError)
	}
}

func checkAdjustments(ctx context.Context, e *env, partner settlement.PartnerID) error {
	w, err := wire(ctx, e, true, ".")
	if err != nil {
		return err
	}
	defer w.Close()
	ms, err := jobs.ReconcileAdjustments(ctx, w.st, w.api, partner)
	if err != nil {
		return err
	}
	adjs, err := w.st.Adjustments(ctx, partner)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SETTLEMENT DATE\tPARTNER\tREF\tAMOUNT\tSTATUS\tPORTONE\tBY\tREASON")
	for _, a := range adjs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.SettlementDate, a.PartnerID, a.Reference, jobs.FormatWon(a.Amount), a.Status,
			dash(string(a.PortOneStatus)), a.By, oneLine(a.Reason, 60))
	}
	tw.Flush()
	for _, m := range ms {
		fmt.Fprintf(e.stdout, "MISMATCH adjustment %s of partner %q: %s\n", m.Adjustment.Reference, m.Adjustment.PartnerID, m.Reason)
	}
	if len(ms) > 0 {
		return jobs.ErrMismatches
	}
	return nil
}
