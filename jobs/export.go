package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/settle-dev/settle/reports"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// ExportOptions say what to write.
type ExportOptions struct {
	Lang string // "ko" (default) or "en"
	CSV  bool   // the flat order detail CSV instead of the workbook
	Rows int    // rows per sheet before a split; 0 for Excel's limit
	// PartnerID, when set, writes that partner's statement (정산서)
	// instead of the workbook.
	PartnerID settlement.PartnerID
	// DryRun says nothing was meant to be posted: transfers waiting to be
	// posted are not reported as overdue.
	DryRun bool
	// Force replaces an existing file with an export that has no
	// settlement for its range (refused otherwise: ErrEmptyExport).
	Force bool
}

// Export writes d's workbook to OutDir/settle-<d>.xlsx (written to a
// temporary file and renamed, so a killed run never leaves half a file).
func (p *Pipeline) Export(ctx context.Context, d settlement.Date, opts RunOptions) (Counts, error) {
	name := filepath.Join(p.opts.OutDir, "settle-"+d.String()+".xlsx")
	if err := p.ExportFile(ctx, d, d, name, ExportOptions{DryRun: opts.DryRun, Force: opts.Force}); err != nil {
		return nil, err
	}
	return Counts{"workbooks": 1}, nil
}

// ExportFile writes the workbook (or CSV, by opts.CSV or a .csv name, or a
// partner's statement, by opts.PartnerID) of business dates from..to to
// name, atomically.
func (p *Pipeline) ExportFile(ctx context.Context, from, to settlement.Date, name string, opts ExportOptions) error {
	if strings.EqualFold(filepath.Ext(name), ".csv") {
		opts.CSV = true
	}
	if err := p.guardReplace(ctx, from, to, name, opts.Force); err != nil {
		return err
	}
	if dir := filepath.Dir(name); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	f, err := os.CreateTemp(filepath.Dir(name), ".settle-export-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := p.ExportTo(ctx, f, from, to, opts); err != nil {
		f.Close()
		return err
	}
	// CreateTemp makes the file private (0600); the report is an ordinary file.
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), name)
}

// ExportTo writes the workbook, the CSV or a partner's statement of
// business dates from..to to w.
func (p *Pipeline) ExportTo(ctx context.Context, w io.Writer, from, to settlement.Date, opts ExportOptions) error {
	ro := reports.Options{Lang: reports.Lang(opts.Lang), Version: p.opts.Version, Loc: p.opts.Loc, MaxRowsPerSheet: opts.Rows}
	if opts.PartnerID != "" {
		return WriteStatement(ctx, p.st, w, StatementRequest{PartnerID: opts.PartnerID, From: from, To: to, At: p.opts.Now(),
			Lang: opts.Lang, Loc: p.opts.Loc, Version: p.opts.Version})
	}
	src, err := newExportSource(ctx, p.st, store.Query{From: from, To: to}, p.opts.Loc, p.opts.Now())
	if err != nil {
		return err
	}
	src.transfers = readTransfersAhead(ctx, p.st, src.q)
	defer src.transfers.close()
	if src.info.Rules, err = p.rulesApplied(ctx, src.q); err != nil {
		return err
	}
	src.stuckBefore = p.Today()
	if opts.DryRun {
		src.stuckBefore = settlement.Date{} // nothing is overdue: nothing was to be posted
	}
	if opts.CSV {
		return reports.WriteCSV(ctx, w, src, ro)
	}
	if src.history, err = spoolHistory(ctx, p.st, src.q, ro.TempDir); err != nil {
		return err
	}
	defer src.history.close()
	return reports.WriteWorkbook(ctx, w, src, ro)
}

// rulesApplied lists the versions of the merchant's rules that computed
// the settlements of q, each with its formulas as settlement.Rules Text
// renders them (from the rules file kept for the version, or the rules
// this pipeline runs with), for the workbook's Contracts sheet.
func (p *Pipeline) rulesApplied(ctx context.Context, q store.Query) ([]reports.RulesApplied, error) {
	used, err := p.st.ReportRulesVersions(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]reports.RulesApplied, 0, len(used))
	for _, u := range used {
		r := reports.RulesApplied{Version: u.Version, Transfers: u.Settlements}
		var rules *settlement.Rules
		switch {
		case u.Version == "":
			rules = settlement.DefaultRules()
		case u.Version == p.opts.Rules.Version():
			rules = p.opts.Rules
		default:
			file, err := p.st.RulesFile(ctx, u.Version)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, err
			}
			if err == nil {
				if rules, err = settlement.ParseRules(file); err != nil {
					return nil, fmt.Errorf("rules version %s as kept: %w", u.Version, err)
				}
			}
		}
		if rules != nil {
			r.Lines = strings.Split(strings.TrimRight(rules.Text(), "\n"), "\n")
		}
		out = append(out, r)
	}
	return out, nil
}

// ErrNoSuchPartner is returned when a statement is asked for a partner the
// store does not know.
var ErrNoSuchPartner = errors.New("no such partner")

// StatementRequest selects a partner's statement and how it is written.
type StatementRequest struct {
	PartnerID settlement.PartnerID
	From, To  settlement.Date // business dates, inclusive
	At        time.Time       // when it is issued
	Lang      string          // "ko" (default) or "en"
	Loc       *time.Location  // the business time zone
	Version   string
}

// WriteStatement writes the statement (정산서) of one partner for business
// dates req.From..req.To to w, as reports.WriteStatement lays it out. It
// returns an error wrapping ErrNoSuchPartner when the store does not know
// the partner, one wrapping reports.ErrOptions for a bad language, and the
// store's and the writer's errors.
func WriteStatement(ctx context.Context, st *store.Store, w io.Writer, req StatementRequest) error {
	opts := reports.Options{Lang: reports.Lang(req.Lang), Loc: req.Loc, Version: req.Version}
	src, err := newExportSource(ctx, st, store.Query{From: req.From, To: req.To, PartnerID: req.PartnerID}, req.Loc, req.At)
	if err != nil {
		return err
	}
	prof, ok := src.partners[req.PartnerID]
	if !ok {
		return fmt.Errorf("partner %q: %w", req.PartnerID, ErrNoSuchPartner)
	}
	src.statement = reports.StatementInfo{PartnerID: req.PartnerID, PartnerName: prof.Name, PartnerType: prof.Type,
		CompanyName: prof.CompanyName, From: req.From, To: req.To, GeneratedAt: req.At}
	return reports.WriteStatement(ctx, w, src, opts)
}

// exportSource adapts the store's report read models to reports.Source
// and reports.StatementSource. Every table streams; the partners, the
// terms (a few versions of a few contracts and policies) and the Summary
// (partners × settlement dates) are held.
type exportSource struct {
	st          *store.Store
	q           store.Query
	loc         *time.Location
	info        reports.RunInfo
	statement   reports.StatementInfo
	stuckBefore settlement.Date // pending intents of earlier business dates are overdue
	partners    map[settlement.PartnerID]store.PartnerProfile
	catalog     store.TermsCatalog
	terms       map[string]*reports.Terms
	history     *historySpool   // the workbook's status history, read ahead; nil: read when asked
	transfers   *transfersAhead // the workbook's transfers, read ahead; nil: read when asked
}

func newExportSource(ctx context.Context, st *store.Store, q store.Query, loc *time.Location, now time.Time) (*exportSource, error) {
	partners, err := st.PartnerProfiles(ctx)
	if err != nil {
		return nil, err
	}
	catalog, err := st.Terms(ctx)
	if err != nil {
		return nil, err
	}
	return &exportSource{st: st, q: q, loc: loc, partners: partners, catalog: catalog, terms: map[string]*reports.Terms{},
		info: reports.RunInfo{From: q.From, To: q.To, GeneratedAt: now}}, nil
}

func (s *exportSource) Run() reports.RunInfo                { return s.info }
func (s *exportSource) Statement() reports.StatementInfo    { return s.statement }
func (s *exportSource) name(id settlement.PartnerID) string { return s.partners[id].Name }

// termsOf is the shared Terms of a contract version and a set of policy
// versions (as stored on the settlement), nil when the contract version is
// not stored.
func (s *exportSource) termsOf(contractID string, version int, policies string) (*reports.Terms, error) {
	key := contractID + "\x00" + strconv.Itoa(version) + "\x00" + policies
	if t, ok := s.terms[key]; ok {
		return t, nil
	}
	c, ok := s.catalog.Contracts[store.TermsKey{ID: contractID, Version: version}]
	if !ok {
		s.terms[key] = nil
		return nil, nil
	}
	t := &reports.Terms{ContractID: contractID, ContractVersion: version, Contract: c.Value, AppliedAt: c.AppliedAt}
	pv, err := store.DecodePolicyVersions(policies)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(pv))
	for id := range pv {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		k := store.TermsKey{ID: id, Version: pv[id]}
		pt := reports.PolicyTerms{ID: id, Version: pv[id]}
		if p, ok := s.catalog.SharePolicies[k]; ok {
			v := p.Value
			pt.Share = &v
		} else if p, ok := s.catalog.FeePolicies[k]; ok {
			v := p.Value
			pt.Fee = &v
		} else {
			continue
		}
		t.Policies = append(t.Policies, pt)
	}
	s.terms[key] = t
	return t, nil
}

func (s *exportSource) Summary(ctx context.Context, yield func(*reports.SummaryRow) error) error {
	var r reports.SummaryRow
	return s.st.ReportTotals(ctx, s.q, func(t *store.ReportTotal) error {
		r = reports.SummaryRow{PartnerID: t.PartnerID, PartnerName: s.name(t.PartnerID), SettlementDate: t.SettlementDate,
			Orders: t.Orders, Cancellations: t.Cancellations, Amounts: t.Amounts, LongestID: t.LongestID}
		return yield(&r)
	})
}

// posting is where a transfer stands on our side.
func posting(s store.IntentStatus) reports.Posting {
	switch s {
	case store.IntentPending:
		return reports.PostingPending
	case store.IntentPosted, store.IntentAdopted:
		return reports.PostingSent
	case store.IntentFailed:
		return reports.PostingFailed
	case store.IntentConflict:
		return reports.PostingConflict
	}
	return reports.PostingNone
}

func (s *exportSource) Transfers(ctx context.Context, yield func(*reports.TransferRow) error) error {
	if s.transfers != nil {
		return s.transfers.each(ctx, s.addTransfer, yield)
	}
	var b transferBatch
	return s.st.ReportTransfers(ctx, s.q, func(t *store.ReportTransfer) error {
		b.reset()
		if err := s.addTransfer(&b, t); err != nil {
			return err
		}
		return yield(&b.rows[0])
	})
}

// addTransfer adds t to b as the workbook shows it.
func (s *exportSource) addTransfer(b *transferBatch, t *store.ReportTransfer) error {
	terms, err := s.termsOf(t.ContractID, t.ContractVersion, t.PolicyVersions)
	if err != nil {
		return fmt.Errorf("settlement of payment %s of partner %s: %w", t.PaymentID, t.PartnerID, err)
	}
	id := t.TransferID
	if id == "" {
		id = t.IntentID
	}
	r := reports.TransferRow{Kind: t.Kind, PartnerID: t.PartnerID, PartnerName: s.name(t.PartnerID), PaymentID: t.PaymentID,
		CancellationID: t.CancellationID, OrderName: t.OrderName, At: t.At, BusinessDate: t.BusinessDate,
		SettlementStartDate: t.SettlementStartDate, SettlementDate: t.SettlementDate, TransferID: id,
		Posting: posting(t.IntentStatus), Status: t.TransferStatus, Terms: terms, Amounts: t.Amounts}
	if t.HasPortOne {
		r.PortOneSettlement = b.won(t.PortOne)
	}
	first := len(b.lines)
	for i := range t.Lines {
		l := &t.Lines[i]
		lr := reports.LineRow{ProductID: l.ProductID, ProductName: l.ProductName, Quantity: l.Quantity, Amounts: l.Amounts}
		if l.HasPortOne {
			lr.PortOneSettlement = b.won(l.PortOne)
		}
		b.lines = append(b.lines, lr)
	}
	r.Lines = b.lines[first:len(b.lines):len(b.lines)]
	b.rows = append(b.rows, r)
	return nil
}

func (s *exportSource) Mismatches(ctx context.Context, yield func(*reports.MismatchRow) error) error {
	var row reports.MismatchRow
	var adjustments map[settlement.TransferID]*store.Adjustment // loaded at the first mismatch of no intent
	return s.st.ReportMismatches(ctx, s.q, func(m *store.ReportMismatch) error {
		row = reports.MismatchRow{Kind: m.Kind, PartnerID: m.PartnerID, PartnerName: s.name(m.PartnerID), PaymentID: m.PaymentID,
			CancellationID: m.CancellationID, TransferID: m.TransferID, ProductID: m.ProductID, SettlementDate: m.SettlementDate,
			Field: m.Field, LocalText: m.LocalText, PortOneText: m.PortOneText, Reason: m.Reason}
		if row.TransferID == "" {
			row.TransferID = m.IntentID
		}
		manual := false
		if m.Kind == "" && m.IntentID != "" {
			if adjustments == nil {
				all, err := s.st.Adjustments(ctx, "")
				if err != nil {
					return err
				}
				adjustments = make(map[settlement.TransferID]*store.Adjustment, len(all))
				for i := range all {
					adjustments[all[i].ClientID] = &all[i]
				}
			}
			if a := adjustments[m.IntentID]; a != nil {
				// An adjustment's (reconcileAdjustments): its fields are
				// the manual transfer's own, not an amount block's.
				manual, row.Kind, row.SettlementDate = true, settlement.KindManual, a.SettlementDate
			}
		}
		switch {
		case m.Reason == settlement.AmountDiffers:
			if !manual {
				row.Field = "amount." + m.Field
				if m.ProductID != "" {
					row.Field = "orderLines[].amount." + m.Field
				}
			}
			l, po := m.Local, m.PortOne
			row.Local, row.PortOne = &l, &po
		case m.Reason == settlement.UnknownAtPortOne && !manual:
			po := m.PortOne
			row.PortOne = &po
		case m.Reason == settlement.MissingAtPortOne && manual:
			l := m.Local // what was asked, which PortOne does not hold
			row.Local = &l
		}
		return yield(&row)
	})
}

// errorTypeRE finds PortOne's error type at the start of an intent's last
// error ("PLATFORM_… (400): message").
var errorTypeRE = regexp.MustCompile(`^([A-Z][A-Z0-9_]+) \(\d{3}\)`)

func (s *exportSource) Problems(ctx context.Context, yield func(*reports.ProblemRow) error) error {
	var row reports.ProblemRow
	err := s.st.ProblemIntents(ctx, s.q, s.stuckBefore, func(in *store.ProblemIntent) error {
		row = reports.ProblemRow{PartnerID: in.PartnerID, PartnerName: s.name(in.PartnerID), PaymentID: in.PaymentID,
			CancellationID: in.CancellationID, TransferID: in.IntentID, BusinessDate: in.BusinessDate, At: in.UpdatedAt,
			Attempts: in.Attempts, Reason: in.LastError, Count: in.Count}
		if m := errorTypeRE.FindStringSubmatch(in.LastError); m != nil {
			row.ErrorType = m[1]
		}
		switch in.Status {
		case store.IntentFailed:
			row.Kind = reports.ProblemFailed
		case store.IntentConflict:
			row.Kind = reports.ProblemConflict
		default:
			row.Kind = reports.ProblemStuck
			if in.Count > 1 {
				row.Example = string(in.PaymentID)
				row.PaymentID, row.CancellationID = "", ""
			}
		}
		return yield(&row)
	})
	if err != nil {
		return err
	}
	err = s.st.UnsettledRecords(ctx, s.q, func(g *store.UnsettledGroup) error {
		row = reports.ProblemRow{Kind: reports.ProblemUnsettled, PartnerID: g.PartnerID, PartnerName: s.name(g.PartnerID),
			BusinessDate: g.BusinessDate, Count: g.Orders + g.Cancellations, Example: g.FirstKey}
		return yield(&row)
	})
	if err != nil {
		return err
	}
	if s.q.PartnerID != "" {
		return nil
	}
	// Records rejected since the range began, whatever their business date
	// would have been (a rejected record may have none), until now.
	q := store.RejectedQuery{Since: s.q.From.Time(s.loc)}
	return s.st.RejectedRecords(ctx, q, func(r *store.Rejected) error {
		row = reports.ProblemRow{Kind: reports.ProblemRejected, PartnerID: r.PartnerID, PartnerName: s.name(r.PartnerID),
			At: r.ReceivedAt, Field: r.Field, Reason: r.Reason, ErrorType: r.ErrorType, Source: string(r.Source), File: r.File,
			Line: r.Line, Raw: string(r.Payload), Count: 1}
		if strings.Contains(string(r.Payload), `"cancellationId"`) {
			row.CancellationID = settlement.CancellationID(r.RecordKey)
		} else {
			row.PaymentID = settlement.PaymentID(r.RecordKey)
		}
		return yield(&row)
	})
}

func (s *exportSource) History(ctx context.Context, yield func(*reports.HistoryRow) error) error {
	var row reports.HistoryRow
	each := func(fn func(*store.ReportStatus) error) error { return s.st.ReportHistory(ctx, s.q, fn) }
	if s.history != nil {
		each = func(fn func(*store.ReportStatus) error) error { return s.history.each(ctx, fn) }
	}
	return each(func(c *store.ReportStatus) error {
		row = reports.HistoryRow{TransferID: c.TransferID, Kind: c.Kind, PartnerID: c.PartnerID, PartnerName: s.name(c.PartnerID),
			PaymentID: c.PaymentID, CancellationID: c.CancellationID, SettlementStartDate: c.SettlementStartDate,
			SettlementDate: c.SettlementDate, Settlement: c.Settlement, PreviousStatus: c.From, Status: c.To,
			ObservedAt: c.ObservedAt, Note: c.Source}
		return yield(&row)
	})
}
