package jobs

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/settle-dev/settle/reports"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// ExportOptions say what to write.
type ExportOptions struct {
	Lang string // "ko" (default) or "en"
	CSV  bool   // the flat order-line CSV instead of the workbook
	Rows int    // rows per sheet before a split; 0 for Excel's limit
	// Force replaces an existing file with an export that has no
	// settlement for its range (refused otherwise: ErrEmptyExport).
	Force bool
}

// Export writes d's workbook to OutDir/settle-<d>.xlsx (written to a
// temporary file and renamed, so a killed run never leaves half a file).
func (p *Pipeline) Export(ctx context.Context, d settlement.Date, opts RunOptions) (Counts, error) {
	name := filepath.Join(p.opts.OutDir, "settle-"+d.String()+".xlsx")
	if err := p.ExportFile(ctx, d, d, name, ExportOptions{Force: opts.Force}); err != nil {
		return nil, err
	}
	return Counts{"workbooks": 1}, nil
}

// ExportFile writes the workbook (or CSV, by opts.CSV or a .csv name) of
// business dates from..to to name, atomically.
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

// ExportTo writes the workbook or CSV of business dates from..to to w.
func (p *Pipeline) ExportTo(ctx context.Context, w io.Writer, from, to settlement.Date, opts ExportOptions) error {
	src := &exportSource{st: p.st, q: store.Query{From: from, To: to}, loc: p.opts.Loc, names: map[settlement.PartnerID]string{},
		info: reports.RunInfo{From: from, To: to, GeneratedAt: p.opts.Now()}, until: p.opts.Now()}
	ro := reports.Options{Lang: reports.Lang(opts.Lang), Version: p.opts.Version, Loc: p.opts.Loc, MaxRowsPerSheet: opts.Rows}
	if opts.CSV {
		return reports.WriteCSV(ctx, w, src, ro)
	}
	return reports.WriteWorkbook(ctx, w, src, ro)
}

// exportSource adapts the store's read models to reports.Source. Every
// method streams; only the Summary (partners × settlement dates) is held.
type exportSource struct {
	st    *store.Store
	q     store.Query
	loc   *time.Location
	info  reports.RunInfo
	until time.Time
	names map[settlement.PartnerID]string
}

func (s *exportSource) Run() reports.RunInfo { return s.info }

func (s *exportSource) name(ctx context.Context, partnerID settlement.PartnerID) string {
	if n, ok := s.names[partnerID]; ok {
		return n
	}
	n := ""
	if p, err := s.st.Partner(ctx, partnerID); err == nil {
		n = p.Name
	}
	s.names[partnerID] = n
	return n
}

// portOneSettlement is PortOne's settlement of a transfer (positive for a
// cancel, as stored), or nil when PortOne has not answered.
func portOneSettlement(has bool, a *settlement.Amounts) *settlement.Won {
	if !has {
		return nil
	}
	v := a.Settlement
	return &v
}

func (s *exportSource) Summary(ctx context.Context, yield func(reports.SummaryRow) error) error {
	type key struct {
		partner string
		date    settlement.Date
	}
	rows := map[key]*reports.SummaryRow{}
	err := s.st.SettlementRows(ctx, s.q, func(r *store.SettlementRow) error {
		k := key{string(r.PartnerID), r.SettlementDate}
		sr := rows[k]
		if sr == nil {
			sr = &reports.SummaryRow{PartnerID: r.PartnerID, SettlementDate: r.SettlementDate}
			rows[k] = sr
		}
		po := portOneSettlement(r.HasPortOne, &r.PortOne)
		sign := settlement.Won(1)
		if r.Kind == settlement.KindOrderCancel {
			sr.Cancellations++
			sign = -1
			sum, err := sr.Amounts.Sub(r.Amounts)
			if err != nil {
				return fmt.Errorf("summary of partner %s on %s: %w", r.PartnerID, r.SettlementDate, err)
			}
			sr.Amounts = sum
		} else {
			sr.Orders++
			sum, err := sr.Amounts.Add(r.Amounts)
			if err != nil {
				return fmt.Errorf("summary of partner %s on %s: %w", r.PartnerID, r.SettlementDate, err)
			}
			sr.Amounts = sum
		}
		if po != nil {
			if sr.PortOneSettlement == nil {
				sr.PortOneSettlement = new(settlement.Won)
			}
			*sr.PortOneSettlement += sign * *po
		}
		return nil
	})
	if err != nil {
		return err
	}
	list := make([]*reports.SummaryRow, 0, len(rows))
	for _, r := range rows {
		r.PartnerName = s.name(ctx, r.PartnerID)
		list = append(list, r)
	}
	slices.SortFunc(list, func(a, b *reports.SummaryRow) int {
		if c := a.SettlementDate.Compare(b.SettlementDate); c != 0 {
			return c
		}
		return cmp.Compare(a.PartnerID, b.PartnerID)
	})
	for _, r := range list {
		if err := yield(*r); err != nil {
			return err
		}
	}
	return nil
}

func (s *exportSource) transfers(ctx context.Context, kind settlement.Kind, yield func(reports.OrderRow) error) error {
	return s.st.SettlementRows(ctx, s.q, func(r *store.SettlementRow) error {
		if r.Kind != kind {
			return nil
		}
		id := r.TransferID
		if id == "" {
			id = r.IntentID
		}
		return yield(reports.OrderRow{Kind: r.Kind, PartnerID: r.PartnerID, PartnerName: s.name(ctx, r.PartnerID), PaymentID: r.PaymentID,
			CancellationID: r.CancellationID, TransferID: id, SettlementStartDate: r.SettlementStartDate, SettlementDate: r.SettlementDate,
			Status: r.TransferStatus, Amounts: r.Amounts, PortOneSettlement: portOneSettlement(r.HasPortOne, &r.PortOne)})
	})
}

func (s *exportSource) Orders(ctx context.Context, yield func(reports.OrderRow) error) error {
	return s.transfers(ctx, settlement.KindOrder, yield)
}

func (s *exportSource) Cancellations(ctx context.Context, yield func(reports.OrderRow) error) error {
	return s.transfers(ctx, settlement.KindOrderCancel, yield)
}

func (s *exportSource) OrderLines(ctx context.Context, yield func(reports.OrderLineRow) error) error {
	return s.st.OrderLineRows(ctx, s.q, func(r *store.OrderLineRow) error {
		id := r.TransferID
		if id == "" {
			id = r.IntentID
		}
		return yield(reports.OrderLineRow{Kind: r.Kind, PartnerID: r.PartnerID, PartnerName: s.name(ctx, r.PartnerID), PaymentID: r.PaymentID,
			CancellationID: r.CancellationID, TransferID: id, ProductID: r.ProductID, ProductName: r.ProductName, Quantity: r.Quantity,
			SettlementStartDate: r.SettlementStartDate, SettlementDate: r.SettlementDate, Amounts: r.Amounts,
			PortOneSettlement: portOneSettlement(r.HasPortOne, &r.PortOne)})
	})
}

func (s *exportSource) Mismatches(ctx context.Context, yield func(reports.MismatchRow) error) error {
	return s.st.Mismatches(ctx, s.q, func(m *store.Mismatch) error {
		row := reports.MismatchRow{PartnerID: m.PartnerID, PartnerName: s.name(ctx, m.PartnerID), PaymentID: m.PaymentID,
			TransferID: m.TransferID, ProductID: m.ProductID, Field: m.Field, LocalText: m.LocalText, PortOneText: m.PortOneText, Reason: string(m.Reason)}
		if m.Reason == settlement.AmountDiffers {
			row.Field = "amount." + m.Field
			if m.ProductID != "" {
				row.Field = "orderLines[].amount." + m.Field
			}
			l, po := m.Local, m.PortOne
			row.Local, row.PortOne = &l, &po
		} else if m.Reason == settlement.UnknownAtPortOne {
			po := m.PortOne
			row.PortOne = &po
		}
		return yield(row)
	})
}

func (s *exportSource) Transfers(ctx context.Context, yield func(reports.TransferRow) error) error {
	cache := map[settlement.TransferID]store.PortOneTransfer{}
	return s.st.StatusHistory(ctx, s.q, func(c *store.StatusChange) error {
		t, ok := cache[c.TransferID]
		if !ok {
			var err error
			if t, err = s.st.PortOneTransferByID(ctx, c.TransferID); err != nil {
				return fmt.Errorf("transfer %s: %w", c.TransferID, err)
			}
			if len(cache) > 10000 {
				clear(cache)
			}
			cache[c.TransferID] = t
		}
		return yield(reports.TransferRow{TransferID: c.TransferID, Kind: t.Kind, PartnerID: t.PartnerID, PartnerName: s.name(ctx, t.PartnerID),
			PaymentID: t.PaymentID, CancellationID: t.CancellationID, SettlementStartDate: t.SettlementStartDate, SettlementDate: t.SettlementDate,
			Settlement: t.Amounts.Settlement, PreviousStatus: c.From, Status: c.To, ObservedAt: c.ObservedAt, Note: c.Source})
	})
}

func (s *exportSource) Rejected(ctx context.Context, yield func(reports.RejectedRow) error) error {
	q := store.RejectedQuery{Since: s.q.From.Time(s.loc), Until: s.until}
	return s.st.RejectedRecords(ctx, q, func(r *store.Rejected) error {
		return yield(reports.RejectedRow{Source: string(r.Source), File: r.File, Line: r.Line, RecordID: r.RecordKey, Field: r.Field,
			Reason: r.Reason, Raw: string(r.Payload), ReceivedAt: r.ReceivedAt})
	})
}
