package calibrate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"time"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

// Client is what a calibration needs of PortOne's API; *transfer.Client
// has it. It must be configured for the test environment.
type Client interface {
	GetContract(ctx context.Context, id string) (transfer.Contract, error)
	CreateContract(ctx context.Context, b transfer.CreateContractBody) (transfer.Contract, error)
	UpdateContract(ctx context.Context, id string, b transfer.UpdateContractBody) (transfer.Contract, error)
	GetDiscountSharePolicy(ctx context.Context, id string) (transfer.DiscountSharePolicy, error)
	CreateDiscountSharePolicy(ctx context.Context, b transfer.CreateDiscountSharePolicyBody) (transfer.DiscountSharePolicy, error)
	UpdateDiscountSharePolicy(ctx context.Context, id string, b transfer.UpdateDiscountSharePolicyBody) (transfer.DiscountSharePolicy, error)
	GetAdditionalFeePolicy(ctx context.Context, id string) (transfer.AdditionalFeePolicy, error)
	CreateAdditionalFeePolicy(ctx context.Context, b transfer.CreateAdditionalFeePolicyBody) (transfer.AdditionalFeePolicy, error)
	UpdateAdditionalFeePolicy(ctx context.Context, id string, b transfer.UpdateAdditionalFeePolicyBody) (transfer.AdditionalFeePolicy, error)
	GetPartner(ctx context.Context, id string) (transfer.Partner, error)
	CreatePartner(ctx context.Context, b transfer.CreatePartnerBody) (transfer.Partner, error)
	CreateOrderTransfer(ctx context.Context, b transfer.CreateOrderTransferBody) (transfer.CreateResult, error)
	CreateOrderCancelTransfer(ctx context.Context, b transfer.CreateOrderCancelTransferBody) (transfer.CreateResult, error)
	Transfers(ctx context.Context, f *transfer.TransferFilter) iter.Seq2[transfer.TransferSummary, error]
	DeleteTransfer(ctx context.Context, id string) error
}

// ErrLive is the refusal to calibrate against PortOne's live environment:
// probes are real transfers, and only the test environment is a place for
// them.
var ErrLive = errors.New("settle calibrate runs against PortOne's test environment only: set PORTONE_TEST_MODE=true")

// Options configure a calibration.
type Options struct {
	// TestMode must be true: the client talks to PortOne's test
	// environment (PORTONE_TEST_MODE). Run refuses otherwise (ErrLive).
	TestMode bool
	// Now is the clock; probes start probeLeadDays after today. Default
	// time.Now.
	Now func() time.Time
	// Location is the business time zone. Default Asia/Seoul.
	Location *time.Location
	// RunID names this run's probe transfers (ids and payment ids); a
	// retried request of the run reuses its id and adopts what PortOne
	// holds. It must differ from every earlier run's: PortOne remembers the
	// ids of deleted transfers. Default: the time of the run, to the
	// nanosecond.
	RunID string
	// Name is the name of the rules written. Default "calibrated".
	Name string
	// Log receives one line per step. Nil discards.
	Log io.Writer
}

// ProbeResult is one probe and PortOne's answers to it (normalised by
// transfer.Observe: cancels positive).
type ProbeResult struct {
	Probe   Probe
	Order   settlement.Transfer
	Cancels []settlement.Transfer
	// Wire are PortOne's answers as they came, order first.
	Wire []transfer.Transfer
}

// Report is what a calibration found.
type Report struct {
	RunID  string
	Probes []ProbeResult
	// Rules are the rules that explain every answer, or the closest found
	// when Exact is false.
	Rules *settlement.Rules
	// Exact says the rules preview every probe to the won.
	Exact bool
	// Findings say what was decided and why, one per formula, rounding
	// and variant.
	Findings []Finding
	// Mismatches are the answers the closest rules do not explain.
	Mismatches []string
	// Deleted counts the probe transfers deleted (leftovers of earlier
	// runs included); Leftovers are those that could not be.
	Deleted   int
	Leftovers []string
}

// Finding is one decision with its evidence.
type Finding struct {
	Key      string // the member of the rules file, e.g. variants.orderBlock
	Choice   string
	Evidence string
}

func (o *Options) defaults() {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		if loc, err := time.LoadLocation("Asia/Seoul"); err == nil {
			o.Location = loc
		} else {
			o.Location = time.FixedZone("KST", 9*60*60)
		}
	}
	if o.RunID == "" {
		// Never an id of an earlier run: PortOne remembers the ids of
		// deleted transfers (PLATFORM_TRANSFER_ID_ALREADY_USED).
		o.RunID = strings.ReplaceAll(o.Now().In(o.Location).Format("20060102150405.000000000"), ".", "")
	}
	if o.Name == "" {
		o.Name = "calibrated"
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
}

// Run calibrates: it sets up its test partner, contracts and policies
// (creating them, or bringing them back to the probe values), deletes
// probe transfers an earlier run left behind, posts the probes with client
// ids (a retry or a second attempt of the same run adopts what PortOne
// holds), reads PortOne's answers, deletes every probe transfer (cancels
// first) even when ctx is cancelled, and infers the rules (Infer).
//
// Errors: ErrLive without TestMode; PortOne's errors (*transfer.APIError)
// of the setup and of the probes. The probes are deleted whatever happens;
// those that could not be are listed in the report.
func Run(ctx context.Context, c Client, opts Options) (*Report, error) {
	if !opts.TestMode {
		return nil, ErrLive
	}
	opts.defaults()
	rep := &Report{RunID: opts.RunID}
	logf := func(format string, args ...any) { fmt.Fprintf(opts.Log, format+"\n", args...) }
	su := probeSetup()
	if err := ensureSetup(ctx, c, su); err != nil {
		return rep, fmt.Errorf("setting up the probe partner, contracts and policies: %w", err)
	}
	// Whatever an interrupted run left behind goes first: PortOne keeps
	// probe transfers SCHEDULED, so they can always be deleted.
	n, left := cleanup(ctx, c)
	rep.Deleted += n
	if len(left) > 0 {
		rep.Leftovers = left
		return rep, fmt.Errorf("probe transfers of an earlier run could not be deleted: %s", strings.Join(left, ", "))
	}
	if n > 0 {
		logf("deleted %d probe transfers of an earlier run", n)
	}
	defer func() {
		// Delete the probes even if ctx was cancelled (Ctrl-C): a minute
		// of its own, and the next run deletes what is left.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		n, left := cleanup(cctx, c)
		rep.Deleted += n
		rep.Leftovers = left
		logf("deleted %d probe transfers", n)
	}()

	today := settlement.DateOf(opts.Now(), opts.Location)
	ps := probes(opts.RunID, today.AddDays(probeLeadDays))
	for _, p := range ps {
		res := ProbeResult{Probe: p}
		cr, err := c.CreateOrderTransfer(ctx, p.Order)
		if err != nil {
			return rep, fmt.Errorf("probe %s: %w", p.Name, err)
		}
		res.Order = transfer.Observe(cr.Transfer).Transfer
		res.Wire = append(res.Wire, cr.Transfer)
		for _, cb := range p.Cancels {
			cr, err := c.CreateOrderCancelTransfer(ctx, cb)
			if err != nil {
				return rep, fmt.Errorf("probe %s, cancel %s: %w", p.Name, cb.ID, err)
			}
			res.Cancels = append(res.Cancels, transfer.Observe(cr.Transfer).Transfer)
			res.Wire = append(res.Wire, cr.Transfer)
		}
		rep.Probes = append(rep.Probes, res)
		logf("probe %s: settlement %d", p.Name, res.Order.Amounts.Settlement)
	}
	inf, err := Infer(rep.Probes, opts.Name, opts.Location)
	if err != nil {
		return rep, err
	}
	rep.Rules, rep.Exact, rep.Findings, rep.Mismatches = inf.Rules, inf.Exact, inf.Findings, inf.Mismatches
	return rep, nil
}

// ensureSetup creates the probe objects, or brings existing ones back to
// the probe values (a person may have changed them in the console).
func ensureSetup(ctx context.Context, c Client, su setup) error {
	for _, want := range su.contracts {
		got, err := c.GetContract(ctx, want.ID)
		if errors.Is(err, settlement.ErrContractNotFound) {
			_, err = c.CreateContract(ctx, want)
		} else if err == nil && !sameContract(got, want) {
			_, err = c.UpdateContract(ctx, want.ID, transfer.UpdateContractBody{Name: &want.Name, PlatformFee: &want.PlatformFee,
				SettlementCycle: &want.SettlementCycle, PlatformFeeVatPayer: &want.PlatformFeeVatPayer, SubtractPaymentVatAmount: &want.SubtractPaymentVatAmount})
		}
		if err != nil {
			return fmt.Errorf("contract %s: %w", want.ID, err)
		}
	}
	for _, want := range su.shares {
		got, err := c.GetDiscountSharePolicy(ctx, want.ID)
		if errors.Is(err, settlement.ErrDiscountSharePolicyNotFound) {
			_, err = c.CreateDiscountSharePolicy(ctx, want)
		} else if err == nil && got.PartnerShareRate != want.PartnerShareRate {
			_, err = c.UpdateDiscountSharePolicy(ctx, want.ID, transfer.UpdateDiscountSharePolicyBody{PartnerShareRate: &want.PartnerShareRate})
		}
		if err != nil {
			return fmt.Errorf("discount share policy %s: %w", want.ID, err)
		}
	}
	for _, want := range su.fees {
		got, err := c.GetAdditionalFeePolicy(ctx, want.ID)
		if errors.Is(err, settlement.ErrAdditionalFeePolicyNotFound) {
			_, err = c.CreateAdditionalFeePolicy(ctx, want)
		} else if err == nil && !sameFeePolicy(got, want) {
			_, err = c.UpdateAdditionalFeePolicy(ctx, want.ID, transfer.UpdateAdditionalFeePolicyBody{Fee: &want.Fee, VatPayer: &want.VatPayer})
		}
		if err != nil {
			return fmt.Errorf("additional fee policy %s: %w", want.ID, err)
		}
	}
	if _, err := c.GetPartner(ctx, su.partner.ID); errors.Is(err, settlement.ErrPartnerNotFound) {
		_, err = c.CreatePartner(ctx, su.partner)
		if err != nil {
			return fmt.Errorf("partner %s: %w", su.partner.ID, err)
		}
	} else if err != nil {
		return fmt.Errorf("partner %s: %w", su.partner.ID, err)
	}
	return nil
}

func sameContract(got transfer.Contract, want transfer.CreateContractBody) bool {
	g, err1 := transfer.ContractFromWire(got)
	w, err2 := transfer.ContractFromInput(want)
	if err1 != nil || err2 != nil {
		return false
	}
	return g.PlatformFee == w.PlatformFee && g.PlatformFeeVatPayer == w.PlatformFeeVatPayer &&
		g.SubtractPaymentVatAmount == w.SubtractPaymentVatAmount && g.Cycle.LagDays == w.Cycle.LagDays &&
		g.Cycle.DatePolicy == w.Cycle.DatePolicy && g.Cycle.Method == w.Cycle.Method &&
		fmt.Sprint(g.Cycle.DaysOfMonth) == fmt.Sprint(w.Cycle.DaysOfMonth)
}

func sameFeePolicy(got transfer.AdditionalFeePolicy, want transfer.CreateAdditionalFeePolicyBody) bool {
	g, err1 := transfer.AdditionalFeePolicyFromWire(got)
	w, err2 := transfer.AdditionalFeePolicyFromInput(want)
	return err1 == nil && err2 == nil && g.Fee == w.Fee && g.VatPayer == w.VatPayer
}

// cleanup deletes every transfer of the probe partner in the test
// environment, cancels first (PortOne refuses to delete an order with
// cancels). It returns how many it deleted and the ids it could not.
func cleanup(ctx context.Context, c Client) (int, []string) {
	f := &transfer.TransferFilter{Keyword: &transfer.TransferKeyword{PartnerID: PartnerID}}
	var orders, cancels []string
	for s, err := range c.Transfers(ctx, f) {
		if err != nil {
			return 0, []string{"(listing the probe partner's transfers: " + err.Error() + ")"}
		}
		if s.Partner.ID != "" && s.Partner.ID != PartnerID {
			continue // never anything but the probe partner's
		}
		if s.Type == string(settlement.KindOrderCancel) {
			cancels = append(cancels, s.ID)
		} else {
			orders = append(orders, s.ID)
		}
	}
	n := 0
	var left []string
	for _, id := range append(cancels, orders...) {
		err := c.DeleteTransfer(ctx, id)
		switch {
		case err == nil:
			n++
		case errors.Is(err, settlement.ErrTransferNotFound):
		default:
			left = append(left, fmt.Sprintf("%s (%v)", id, err))
		}
	}
	return n, left
}
