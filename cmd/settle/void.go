package main

import (
	"context"
	"errors"
	"fmt"
	"os/user"
	"strings"

	"github.com/settle-dev/settle/jobs"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// runVoid is `settle void order|cancellation`: a stored record that PortOne
// does not hold is withdrawn, kept in history with who and why, so that a
// corrected one can be imported. With --delete-transfer a record PortOne
// already holds is withdrawn too: its transfer is deleted at PortOne first
// (PortOne's own means of correcting a transfer not yet paid out), and the
// corrected record posts under a new client id.
func runVoid(ctx context.Context, e *env) error {
	fs := newFlags(e, "void", "order --partner P --payment PAYMENT --reason TEXT [--by NAME] [--delete-transfer]\n"+
		"       settle void cancellation --partner P --cancellation ID --reason TEXT [--by NAME] [--delete-transfer]")
	partner := fs.String("partner", "", "partner id")
	payment := fs.String("payment", "", "payment id of the order")
	cancellation := fs.String("cancellation", "", "cancellation id")
	reason := fs.String("reason", "", "why it is withdrawn (kept in history; required)")
	by := fs.String("by", "", "who withdraws it (default: the login name)")
	del := fs.Bool("delete-transfer", false, "when PortOne already holds the record's transfer, delete it there first (SCHEDULED, IN_PROCESS or SETTLED only); the corrected record posts under a new id")
	flags, pos := splitArgs(e.args, map[string]bool{"partner": true, "payment": true, "cancellation": true, "reason": true, "by": true})
	if err := parseFlags(fs, flags); err != nil {
		return err
	}
	if len(pos) != 1 || (pos[0] != "order" && pos[0] != "cancellation") {
		return usagef("say what to void: `settle void order --partner P --payment PAYMENT --reason TEXT` or `settle void cancellation --partner P --cancellation ID --reason TEXT`")
	}
	req := store.VoidRequest{PartnerID: settlement.PartnerID(strings.TrimSpace(*partner)), Reason: strings.TrimSpace(*reason), By: strings.TrimSpace(*by)}
	if req.PartnerID == "" {
		return usagef("--partner is required")
	}
	if pos[0] == "order" {
		if *payment == "" || *cancellation != "" {
			return usagef("void order: --payment is required (and --cancellation belongs to `settle void cancellation`)")
		}
		req.Kind, req.PaymentID = settlement.KindOrder, settlement.PaymentID(strings.TrimSpace(*payment))
	} else {
		if *cancellation == "" || *payment != "" {
			return usagef("void cancellation: --cancellation is required (a cancellation is named by its id, not --payment)")
		}
		req.Kind, req.CancellationID = settlement.KindOrderCancel, settlement.CancellationID(strings.TrimSpace(*cancellation))
	}
	if req.Reason == "" {
		return usagef("--reason is required: say why the record is withdrawn (it is kept in history)")
	}
	var err error
	if req.By, err = actor(req.By, "who withdraws the record"); err != nil {
		return err
	}
	w, err := wire(ctx, e, *del, ".")
	if err != nil {
		return err
	}
	defer w.Close()
	var v store.Voided
	if *del {
		v, err = jobs.VoidDeletingTransfer(ctx, w.st, w.api, req)
	} else {
		v, err = w.st.VoidRecord(ctx, req)
	}
	adjust := fmt.Sprintf("pay or take back the difference with `settle adjust --partner %s --ref REF --amount WON --settlement-date DATE --reason TEXT`", req.PartnerID)
	var pe *store.PostedError
	var nd *jobs.NotDeletableError
	var be *store.VoidBlockedError
	var av *jobs.AlreadyVoidedError
	var nf *store.NotFoundError
	switch {
	case errors.As(err, &pe):
		return usagef("%v; run the same command with --delete-transfer to delete it at PortOne first (while it is SCHEDULED, IN_PROCESS or SETTLED), then import the corrected record; or %s", err, adjust)
	case errors.As(err, &nd):
		if req.Kind == settlement.KindOrder {
			return usagef("%v; correct it instead: %s, or import a cancellation (ORDER_CANCEL) of payment %q with `settle import FILE`", err, adjust, req.PaymentID)
		}
		return usagef("%v; correct it instead: %s", err, adjust)
	case errors.As(err, &av):
		av.Voided.VoidedAt = av.Voided.VoidedAt.In(e.cfg.TZ) // said in the business time zone, as everything a user reads
		return usageError{err}
	case errors.As(err, &be):
		return usageError{err}
	case errors.As(err, &nf):
		return usagef("%v (see `settle intents --partner %s`)", err, req.PartnerID)
	case err != nil:
		return err
	}
	what := fmt.Sprintf("order %q", v.PaymentID)
	if v.Kind == settlement.KindOrderCancel {
		what = fmt.Sprintf("cancellation %q of payment %q", v.CancellationID, v.PaymentID)
	}
	fmt.Fprintf(e.stdout, "Voided %s of partner %q (business date %s), by %s: %s.\n", what, v.PartnerID, v.BusinessDate, v.By, v.Reason)
	switch {
	case v.Deleted != nil:
		state := "it was already gone"
		if v.Deleted.Status != "" {
			state = "it was " + string(v.Deleted.Status)
			if v.Deleted.Amount != nil {
				state += ", " + jobs.FormatWon(settlement.Won(*v.Deleted.Amount)) + " won"
			}
		}
		fmt.Fprintf(e.stdout, "Its transfer %s is deleted at PortOne (%s); the corrected record will be posted under a new client id.\n", v.Deleted.TransferID, state)
	case v.IntentID != "":
		fmt.Fprintf(e.stdout, "Its transfer intent %s (%s) is withdrawn with it; a corrected record gets the same client transfer id, so PortOne can never hold both.\n", v.IntentID, v.IntentStatus)
	}
	fmt.Fprintf(e.stdout, "Next: import the corrected record (`settle import FILE` or the HTTP API), then `settle run nightly --date %s --force`.\n", v.BusinessDate)
	return nil
}

// actor is who runs a recovery command, kept with what it did: --by, else
// the login name; with neither the command is refused (what is kept says
// who, always).
func actor(by, who string) (string, error) {
	if by != "" {
		return by, nil
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username, nil
	}
	return "", usagef("--by is required: %s (no login name found)", who)
}
