package reports

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/settle-dev/settle/settlement"
)

// StatementSource is what WriteStatement reads: one partner's transfers of
// a range of business dates.
type StatementSource interface {
	// Statement describes the partner and the range.
	Statement() StatementInfo
	// Transfers yields the partner's ORDER and ORDER_CANCEL transfers of
	// the range, sorted by settlement date, as Source.Transfers does.
	Transfers(ctx context.Context, yield func(*TransferRow) error) error
}

// StatementInfo describes the partner and the range of a statement.
type StatementInfo struct {
	PartnerID   settlement.PartnerID
	PartnerName string
	// PartnerType is PortOne's partner type: BUSINESS, WHT_PAYER (an
	// individual whose tax is withheld at payout) or NON_WHT_PAYER.
	PartnerType string
	// CompanyName is the business's registered name, if any.
	CompanyName string
	From, To    settlement.Date // business dates, inclusive
	GeneratedAt time.Time
}

// WriteStatement writes one partner's settlement statement (파트너별
// 정산서) as .xlsx, laid out to print (or convert) to PDF as it is: the
// Statement sheet (A4 portrait, one page wide) with the partner, the
// totals of the range, the settlement per settlement date, the contracts
// and policies applied, and the payout section; the Statement detail sheet
// (A4 landscape, one page wide, header repeated) with one row per order
// and cancellation. In a statement cancellations are negative, so every
// column adds up to what the partner is paid.
//
// The payout and withholding section lists the partner's payouts when the
// source has them (PayoutSource: PortOne's figures where it has paid,
// settle's otherwise), and otherwise says they are shown once reconciled.
//
// Errors are as for WriteWorkbook.
func WriteStatement(ctx context.Context, w io.Writer, src StatementSource, opts Options) (err error) {
	o, err := opts.normalize()
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close statement: %w", cerr)
		}
	}()
	z := newPartZip(w)
	defer z.cleanup()
	b := newBuilder(f, z, o)
	if b.st, err = newStyles(f, o.Loc); err != nil {
		return err
	}
	s := &statement{builder: b, info: src.Statement(), days: map[settlement.Date]*statementDay{}, used: map[*Terms]int{}}
	if _, err := b.newSheet(SheetStatement); err != nil {
		return err
	}
	if err := s.writeDetail(ctx, src); err != nil {
		return err
	}
	if s.payouts, err = statementPayouts(ctx, src, s.info.PartnerID); err != nil {
		return err
	}
	if err := s.writeFront(); err != nil {
		return err
	}
	if err := b.arrange([]string{SheetStatement, SheetStatementLog}); err != nil {
		return err
	}
	return b.write(w)
}

// statement is the state of one statement being written.
type statement struct {
	*builder
	info   StatementInfo
	days   map[settlement.Date]*statementDay
	used   map[*Terms]int
	total  settlement.Amounts // signed: cancellations subtract
	orders settlement.Amounts // orders only
	cancel settlement.Amounts // cancellations only, positive
	n      [2]int
	// payouts are the partner's payouts (PayoutSource), if any.
	payouts []PayoutRow
}

// statementDay is one settlement date of the statement.
type statementDay struct {
	orders, cancels int
	amounts         settlement.Amounts // signed
	statuses        map[string]int
}

// signedRow is a transfer with its amounts signed for the statement.
type signedRow struct {
	t       *TransferRow
	amounts settlement.Amounts
	portOne *settlement.Won
}

func statementColumns(v *view) []column[signedRow] {
	all := amountColumns("amount.", func(r *signedRow) *settlement.Amounts { return &r.amounts })
	keep := map[string]bool{"order": true, "discount": true, "discountShare": true, "platformFee": true, "platformFeeVat": true,
		"additionalFee": true, "additionalFeeVat": true, "paymentVatBurden": true, "settlement": true}
	cols := []column[signedRow]{
		dateCol("정산일", "Settlement date", "settlementDate", func(r *signedRow) settlement.Date { return r.t.SettlementDate }),
		textCol("유형", "Type", "type", 7, func(r *signedRow) string { return kindWord(v.l, r.t.Kind) }),
		textCol("결제 ID", "Payment ID", "payment.id", v.idW, func(r *signedRow) string { return string(r.t.PaymentID) }),
		textCol("취소 ID", "Cancellation ID", "cancellation.id", v.idW, func(r *signedRow) string { return string(r.t.CancellationID) }),
		textCol("주문명", "Order name", "payment.orderName", 20, func(r *signedRow) string { return r.t.OrderName }),
		{ko: "결제·취소 일시", en: "Paid or cancelled at", key: "paidAt / cancelledAt", width: 18, k: kTime,
			set: func(r *signedRow, x *value) { x.instant(r.t.At) }},
	}
	for _, c := range all {
		if keep[c.field] {
			cols = append(cols, c)
		}
	}
	cols = append(cols,
		textCol("상태", "Status", "status", 11, func(r *signedRow) string { return stateWord(v.l, r.t.Posting, r.t.Status) }),
		textCol("적용 정책", "Policies applied", "discounts[].sharePolicy, additionalFees[].policy", 30,
			func(r *signedRow) string { return v.text(r.t.Terms).policyNames }),
	)
	return cols
}

// writeDetail streams the Statement detail sheet and totals the statement.
func (s *statement) writeDetail(ctx context.Context, src StatementSource) error {
	s.v.partnerW, s.v.nameW, s.v.idW = 12, 12, 22
	t := newTable(s.builder, tableSpec{id: SheetStatementLog, freeze: 3, landscape: true, totals: totalsSum}, statementColumns(s.v))
	var row signedRow
	err := src.Transfers(ctx, func(tr *TransferRow) error {
		row.t, row.amounts, row.portOne = tr, tr.Amounts, tr.PortOneSettlement
		d := s.days[tr.SettlementDate]
		if d == nil {
			d = &statementDay{statuses: map[string]int{}}
			s.days[tr.SettlementDate] = d
		}
		var err error
		if tr.Kind == settlement.KindOrderCancel {
			if row.amounts, err = tr.Amounts.Neg(); err == nil {
				s.cancel, err = s.cancel.Add(tr.Amounts)
			}
			d.cancels++
			s.n[1]++
		} else {
			s.orders, err = s.orders.Add(tr.Amounts)
			d.orders++
			s.n[0]++
		}
		if err == nil {
			d.amounts, err = d.amounts.Add(row.amounts)
		}
		if err == nil {
			s.total, err = s.total.Add(row.amounts)
		}
		if err != nil {
			return fmt.Errorf("statement of partner %s, payment %s: %w", tr.PartnerID, tr.PaymentID, err)
		}
		d.statuses[stateWord(s.o.Lang, tr.Posting, tr.Status)]++
		s.used[tr.Terms]++
		return t.write(ctx, &row)
	})
	if err != nil {
		return err
	}
	return t.finish()
}

// writeFront writes the Statement sheet.
func (s *statement) writeFront() error {
	st, l, info := s.st, s.o.Lang, s.info
	w := &sheetWriter{f: s.f, sheet: SheetName(SheetStatement, l)}
	w.widths(13, 9, 9, 13, 13, 13, 13, 13, 13, 13, 14, 16)
	merge := func(r int, to string) {
		if w.err == nil {
			w.err = s.f.MergeCell(w.sheet, "A"+strconv.Itoa(r), to+strconv.Itoa(r))
		}
	}
	merge(w.line(st.title, label(l, "파트너 정산서", "Partner settlement statement")), "L")
	w.skip(1)
	kv := func(k string, v any, style int) {
		r := w.line(st.runLabel, k)
		w.cell(4, r, v, style)
		merge(r, "C")
		if w.err == nil {
			w.err = s.f.MergeCell(w.sheet, "D"+strconv.Itoa(r), "H"+strconv.Itoa(r))
		}
	}
	name := info.PartnerName
	if info.CompanyName != "" && info.CompanyName != name {
		name += " (" + info.CompanyName + ")"
	}
	kv(label(l, "파트너", "Partner"), name, st.text)
	kv(label(l, "파트너 ID", "Partner ID"), string(info.PartnerID), st.text)
	kv(label(l, "파트너 유형", "Partner type"), partnerTypeWord(l, info.PartnerType), st.text)
	kv(label(l, "기간 (업무일)", "Period (business dates)"), info.From.String()+" – "+info.To.String(), st.text)
	kv(label(l, "발행 시각", "Issued at"), timeText(info.GeneratedAt, s.o.Loc)+" ("+s.o.Loc.String()+")", st.text)
	w.skip(1)

	merge(w.line(st.section, label(l, "정산 요약 (원)", "Summary (KRW)")), "L")
	money := func(k string, v settlement.Won, style int) {
		r := w.line(st.runLabel, k)
		merge(r, "C")
		w.cell(4, r, int64(v), style)
	}
	money(label(l, "주문금액 (주문 "+strconv.Itoa(s.n[0])+"건)", "Order amount ("+strconv.Itoa(s.n[0])+" orders)"), s.orders.Order, st.money)
	money(label(l, "취소 주문금액 (취소 "+strconv.Itoa(s.n[1])+"건)", "Cancelled ("+strconv.Itoa(s.n[1])+" cancellations)"), -s.cancel.Order, st.money)
	money(label(l, "순 주문금액", "Net order amount"), s.total.Order, st.moneyBold)
	money(label(l, "할인분담금 (차감)", "Discount share (deducted)"), s.total.DiscountShare, st.money)
	money(label(l, "중개수수료 (차감)", "Platform fee (deducted)"), s.total.PlatformFee, st.money)
	money(label(l, "중개수수료 부가세", "Platform fee VAT"), s.total.PlatformFeeVat, st.money)
	money(label(l, "추가수수료 (차감)", "Additional fees (deducted)"), s.total.AdditionalFee, st.money)
	money(label(l, "추가수수료 부가세", "Additional fee VAT"), s.total.AdditionalFeeVat, st.money)
	money(label(l, "결제 부가세 부담금", "Payment VAT burden"), s.total.PaymentVatBurden, st.money)
	money(label(l, "정산금액 (지급 예정액)", "Settlement (to be paid)"), s.total.Settlement, st.moneyBold)
	w.line(st.note, label(l, "금액은 취소를 뺀 순액입니다. 부가세와 결제 부가세 부담금은 계약의 부가세 부담 주체와 결제 부가세 차감 여부에 따라 정산금액에서 차감되며, 정산금액은 PortOne 공식에 따른 값입니다.",
		"Amounts are net of cancellations. The VAT and the payment VAT burden are deducted from the settlement as the contract says who pays the VAT and whether payment VAT is deducted; the settlement is PortOne's formula."))
	merge(w.row, "L")
	if w.err == nil {
		w.err = s.f.SetRowHeight(w.sheet, w.row, 30)
	}
	w.skip(1)

	merge(w.line(st.section, label(l, "정산일별 정산금액 (원, 취소는 음수)", "Settlement per settlement date (KRW, cancellations negative)")), "L")
	hr := w.line(st.header, label(l, "정산일", "Settlement date"), label(l, "주문 건수", "Orders"), label(l, "취소 건수", "Cancellations"),
		label(l, "주문금액", "Order amount"), label(l, "할인분담금", "Discount share"), label(l, "중개수수료", "Platform fee"),
		label(l, "중개수수료 부가세", "Platform fee VAT"), label(l, "추가수수료", "Additional fee"), label(l, "추가수수료 부가세", "Additional fee VAT"),
		label(l, "결제 부가세 부담금", "Payment VAT burden"), label(l, "정산금액", "Settlement"), label(l, "상태", "Status"))
	if w.err == nil {
		w.err = s.f.SetRowHeight(w.sheet, hr, 32)
	}
	dates := make([]settlement.Date, 0, len(s.days))
	for d := range s.days {
		dates = append(dates, d)
	}
	slices.SortFunc(dates, settlement.Date.Compare)
	amountsOf := func(a *settlement.Amounts) []settlement.Won {
		return []settlement.Won{a.Order, a.DiscountShare, a.PlatformFee, a.PlatformFeeVat, a.AdditionalFee, a.AdditionalFeeVat, a.PaymentVatBurden, a.Settlement}
	}
	for _, d := range dates {
		day := s.days[d]
		r := w.line(0)
		w.cell(1, r, dateSerial(d.Year, d.Month, d.Day), st.date)
		w.cell(2, r, int64(day.orders), st.integer)
		w.cell(3, r, int64(day.cancels), st.integer)
		for i, v := range amountsOf(&day.amounts) {
			style := st.money
			if i == 7 {
				style = st.moneyBold
			}
			w.cell(4+i, r, int64(v), style)
		}
		w.cell(12, r, statusesText(day.statuses), st.text)
	}
	first, last := hr+1, hr+len(dates)
	tr := w.line(st.totalLabel, label(l, "합계", "Total"))
	w.cell(2, tr, int64(s.n[0]), st.totalMoney)
	w.cell(3, tr, int64(s.n[1]), st.totalMoney)
	for i, v := range amountsOf(&s.total) {
		w.cell(4+i, tr, int64(v), st.totalMoney)
	}
	w.cell(12, tr, nil, st.totalLabel)
	if len(dates) > 0 && w.err == nil {
		for c := 2; c <= 11; c++ {
			col := colName(c)
			w.err = s.f.SetCellFormula(w.sheet, col+strconv.Itoa(tr), fmt.Sprintf("SUM(%s%d:%s%d)", col, first, col, last))
			if w.err != nil {
				break
			}
		}
	}
	w.skip(1)

	merge(w.line(st.section, label(l, "적용 계약·정책", "Contracts and policies applied")), "L")
	type used struct {
		t *Terms
		n int
	}
	var terms []used
	for t, n := range s.used {
		terms = append(terms, used{t, n})
	}
	slices.SortFunc(terms, func(a, b used) int {
		ka, kb := "", ""
		if a.t != nil {
			ka = a.t.ContractID + "\x00" + strconv.Itoa(a.t.ContractVersion) + "\x00" + s.v.text(a.t).policies
		}
		if b.t != nil {
			kb = b.t.ContractID + "\x00" + strconv.Itoa(b.t.ContractVersion) + "\x00" + s.v.text(b.t).policies
		}
		return cmp.Compare(ka, kb)
	})
	seen := map[string]bool{}
	for _, u := range terms {
		x := s.v.text(u.t)
		if seen[x.contract] {
			continue
		}
		seen[x.contract] = true
		merge(w.line(st.runLabel, label(l, "계약: ", "Contract: ")+x.contract), "L")
		if u.t != nil {
			merge(w.line(st.wrap, label(l, "    중개수수료 ", "    platform fee ")+x.fee+label(l, ", 수수료 부가세 부담 ", ", fee VAT paid by ")+x.vatPayer+
				label(l, ", 결제 부가세 차감 ", ", payment VAT deducted: ")+x.subtractVat+"; "+x.cycle+", "+x.datePolicy), "L")
		}
	}
	var pols []string
	pseen := map[string]bool{}
	for _, u := range terms {
		if u.t == nil {
			continue
		}
		for i := range u.t.Policies {
			p := policyText(l, &u.t.Policies[i]) + " [" + u.t.Policies[i].ID + " v" + strconv.Itoa(u.t.Policies[i].Version) + "]"
			if !pseen[p] {
				pseen[p] = true
				pols = append(pols, p)
			}
		}
	}
	slices.Sort(pols)
	for _, p := range pols {
		r := w.line(st.wrap, label(l, "정책: ", "Policy: ")+p)
		merge(r, "L")
	}
	w.skip(1)

	// Payouts and withholding: the payouts feature writes its section here.
	merge(w.line(st.section, label(l, "지급 및 원천징수", "Payout and withholding")), "L")
	wht := info.PartnerType == "WHT_PAYER"
	kv(label(l, "원천징수 대상", "Tax withheld at payout"), yesNo(l, wht), st.text)
	note := label(l, "지급 내역과 원천징수액은 PortOne 지급(payout)이 확정·대사된 뒤 이 자리에 표시됩니다. 위 정산금액은 원천징수 전 금액입니다.",
		"Payouts and the tax withheld are shown here once PortOne's payouts are confirmed and reconciled. The settlement above is before withholding.")
	if len(s.payouts) > 0 {
		s.writePayoutRows(w)
		note = label(l, "지급일별 지급: PortOne이 지급한 것은 PortOne 금액, 아직 지급 전인 것은 settle 계산. 위 정산금액은 원천징수 전 금액입니다.",
			"Payouts per payout date: PortOne's figures where it has paid, settle's where not yet. The settlement above is before withholding.")
	}
	r := w.line(st.note, note)
	merge(r, "L")
	if w.err == nil {
		w.err = s.f.SetRowHeight(w.sheet, r, 30)
	}
	w.skip(1)
	r = w.line(st.note, label(l, "거래별 내역은 '"+SheetName(SheetStatementLog, l)+"' 시트에 있습니다. 금액 단위: 원.",
		"Each order and cancellation is on sheet '"+SheetStatementLog+"'. Amounts in KRW."))
	merge(r, "L")
	w.print(false, 0)
	return w.err
}

// statusesText lists the states of a day's transfers: "정산 예정 3, 전송 대기 1".
func statusesText(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(keys) == 1 {
		return keys[0]
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " " + strconv.Itoa(m[k])
	}
	return strings.Join(parts, ", ")
}
