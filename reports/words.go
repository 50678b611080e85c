package reports

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/settle-dev/settle/settlement"
)

// The words of the reports in both languages: sheet names, and PortOne's
// codes (types, statuses, payers, cycles, reasons) as a reader says them.
// A code this file does not know is shown as it came, never dropped.

// Sheet identifiers: the English names, which are the sheet names of an
// English workbook. SheetName gives the name in a language; split tables
// continue on "Name (2)", "Name (3)", … in both.
const (
	SheetRun           = "Run"
	SheetSummary       = "Summary"
	SheetChart         = "Chart"
	SheetContracts     = "Contracts"
	SheetOrders        = "Orders"
	SheetOrderLines    = "Order lines"
	SheetCancellations = "Cancellations"
	SheetMismatches    = "Mismatches"
	SheetProblems      = "Needs attention"
	SheetTransfers     = "Transfers"
	SheetStatement     = "Statement"
	SheetStatementLog  = "Statement detail"
)

var sheetNamesKO = map[string]string{
	SheetRun:           "실행 정보",
	SheetSummary:       "요약",
	SheetChart:         "차트",
	SheetContracts:     "계약·정책",
	SheetOrders:        "주문",
	SheetOrderLines:    "주문 상세",
	SheetCancellations: "취소",
	SheetMismatches:    "PortOne 불일치",
	SheetProblems:      "처리 필요",
	SheetTransfers:     "이체 상태 이력",
	SheetStatement:     "정산서",
	SheetStatementLog:  "거래 내역",
}

// SheetName is the name of sheet (one of the Sheet constants) in a
// workbook written in language l.
func SheetName(sheet string, l Lang) string {
	if l == LangKO || l == "" {
		if n, ok := sheetNamesKO[sheet]; ok {
			return n
		}
	}
	return sheet
}

func label(l Lang, ko, en string) string {
	if l == LangEN {
		return en
	}
	return ko
}

// vocab says the values of one code (a kind, a status, a reason) in
// finance's words: value → {Korean, English}. A value it does not know is
// shown as sent, so a new code from PortOne is never hidden.
type vocab[K ~string] map[K][2]string

func (v vocab[K]) say(l Lang, k K) string {
	w, ok := v[k]
	if !ok {
		return string(k)
	}
	return label(l, w[0], w[1])
}

var kindWords = vocab[settlement.Kind]{
	settlement.KindOrder:       {"주문", "Order"},
	settlement.KindOrderCancel: {"취소", "Cancellation"},
	settlement.KindManual:      {"수동 조정", "Manual"},
}

func kindWord(l Lang, k settlement.Kind) string { return kindWords.say(l, k) }

var statusWords = vocab[settlement.TransferStatus]{
	settlement.StatusScheduled:       {"정산 예정", "Scheduled"},
	settlement.StatusInProcess:       {"정산 진행 중", "In process"},
	settlement.StatusSettled:         {"정산 완료", "Settled"},
	settlement.StatusPayoutConfirmed: {"지급 확정", "Payout confirmed"},
	settlement.StatusInPayout:        {"지급 중", "In payout"},
	settlement.StatusPaidOut:         {"지급 완료", "Paid out"},
}

func statusWord(l Lang, s settlement.TransferStatus) string { return statusWords.say(l, s) }

// stateWord is a transfer's state: PortOne's status once it answered,
// else where posting stands.
func stateWord(l Lang, p Posting, s settlement.TransferStatus) string {
	if s != "" {
		return statusWord(l, s)
	}
	switch p {
	case PostingPending:
		return label(l, "전송 대기", "Waiting to post")
	case PostingFailed:
		return label(l, "전송 실패", "Posting failed")
	case PostingConflict:
		return label(l, "이체 충돌", "Conflict at PortOne")
	case PostingSent:
		return label(l, "PortOne 응답 없음", "No answer from PortOne")
	}
	return label(l, "미전송", "Not posted")
}

var payerWords = vocab[settlement.Payer]{
	settlement.PayerPartner:  {"파트너", "Partner"},
	settlement.PayerMerchant: {"가맹점", "Merchant"},
}

func payerWord(l Lang, p settlement.Payer) string { return payerWords.say(l, p) }

// rateText shows a milli-percent rate as a percentage: 10800 → "10.8%".
func rateText(r settlement.Rate) string {
	s := strconv.FormatInt(int64(r)/1000, 10)
	if frac := int64(r) % 1000; frac != 0 {
		if frac < 0 {
			frac = -frac
		}
		f := strings.TrimRight(strconv.FormatInt(1000+frac, 10)[1:], "0")
		s += "." + f
	}
	return s + "%"
}

// wonText shows an amount with thousands separators: 1234567 → "1,234,567".
func wonText(w settlement.Won) string {
	s := strconv.FormatInt(int64(w), 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func feeText(l Lang, f settlement.Fee) string {
	switch f.Kind {
	case settlement.FeeFixedRate:
		return label(l, "정률 ", "rate ") + rateText(f.Rate)
	case settlement.FeeFixedAmount:
		return label(l, "정액 "+wonText(f.Amount)+"원", "fixed KRW "+wonText(f.Amount))
	}
	return string(f.Kind)
}

var weekdaysKO = [...]string{"일", "월", "화", "수", "목", "금", "토"}

func cycleText(l Lang, c settlement.Cycle) string {
	var what string
	switch c.Method {
	case settlement.CycleDaily:
		what = label(l, "매일", "daily")
	case settlement.CycleWeekly:
		var ds []string
		for _, d := range c.DaysOfWeek {
			if l == LangEN {
				ds = append(ds, d.String()[:3])
			} else {
				ds = append(ds, weekdaysKO[d%7])
			}
		}
		what = label(l, "매주 "+strings.Join(ds, "·")+"요일", "weekly on "+strings.Join(ds, ", "))
	case settlement.CycleMonthly:
		var ds []string
		for _, d := range c.DaysOfMonth {
			switch {
			case d >= 31 && l == LangEN:
				ds = append(ds, "last day")
			case d >= 31:
				ds = append(ds, "말일")
			case l == LangEN:
				ds = append(ds, ordinal(d))
			default:
				ds = append(ds, strconv.Itoa(d)+"일")
			}
		}
		what = label(l, "매월 "+strings.Join(ds, "·"), "monthly on the "+strings.Join(ds, ", "))
	case settlement.CycleManualDates:
		var ds []string
		for _, d := range c.Dates {
			if l == LangEN {
				ds = append(ds, d.Month.String()[:3]+" "+strconv.Itoa(d.Day))
			} else {
				ds = append(ds, strconv.Itoa(int(d.Month))+"월 "+strconv.Itoa(d.Day)+"일")
			}
		}
		what = label(l, "지정일 "+strings.Join(ds, ", "), "on "+strings.Join(ds, ", "))
	default:
		what = string(c.Method)
	}
	return what + label(l, " (정산시작일 + "+strconv.Itoa(c.LagDays)+"일부터)", ", from start + "+strconv.Itoa(c.LagDays)+" days")
}

func ordinal(d int) string {
	suffix := "th"
	switch {
	case d%100 >= 11 && d%100 <= 13:
	case d%10 == 1:
		suffix = "st"
	case d%10 == 2:
		suffix = "nd"
	case d%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(d) + suffix
}

func datePolicyText(l Lang, p settlement.DatePolicy) string {
	switch p {
	case settlement.HolidayBefore:
		return label(l, "휴일이면 앞 영업일", "previous business day if a holiday")
	case settlement.HolidayAfter:
		return label(l, "휴일이면 다음 영업일", "next business day if a holiday")
	case settlement.CalendarDay:
		return label(l, "휴일에도 그대로", "calendar day, not moved")
	}
	return string(p)
}

func yesNo(l Lang, b bool) string {
	if b {
		return label(l, "예", "yes")
	}
	return label(l, "아니오", "no")
}

// policyText is one policy as a reader needs it: name, version and what
// it takes.
func policyText(l Lang, p *PolicyTerms) string {
	var what string
	switch {
	case p.Share != nil:
		what = label(l, "할인 분담 "+rateText(p.Share.PartnerShareRate), "discount share "+rateText(p.Share.PartnerShareRate))
	case p.Fee != nil:
		what = feeText(l, p.Fee.Fee) + label(l, ", 부가세 "+payerWord(l, p.Fee.VatPayer)+" 부담", ", VAT paid by "+strings.ToLower(payerWord(l, p.Fee.VatPayer)))
	}
	return p.Name() + " (" + what + ")"
}

var reasonWords = vocab[settlement.MismatchReason]{
	settlement.AmountDiffers:    {"금액 불일치", "Amount differs"},
	settlement.DateDiffers:      {"정산일 불일치", "Settlement date differs"},
	settlement.LineDiffers:      {"주문 라인 불일치", "Order line differs"},
	settlement.MissingAtPortOne: {"PortOne 응답 없음", "No answer recorded from PortOne"},
	settlement.UnknownAtPortOne: {"PortOne에만 있는 이체", "Transfer at PortOne we never sent"},
	settlement.StatusStuck:      {"PortOne 상태 지연", "PortOne status lags its dates"},
}

func reasonWord(l Lang, r settlement.MismatchReason) string { return reasonWords.say(l, r) }

var problemWords = vocab[ProblemKind]{
	ProblemRejected:  {"거부된 레코드", "Rejected record"},
	ProblemFailed:    {"전송 실패", "Posting failed"},
	ProblemConflict:  {"이체 충돌", "Conflict at PortOne"},
	ProblemStuck:     {"전송 지연", "Posting overdue"},
	ProblemUnsettled: {"정산 대기", "Not settled yet"},
}

func problemWord(l Lang, k ProblemKind) string { return problemWords.say(l, k) }

// problemReason says what went wrong: the record's or PortOne's words, and
// for a row standing for several, how many.
func problemReason(l Lang, p *ProblemRow) string {
	switch {
	case p.Kind == ProblemUnsettled:
		return fmt.Sprintf(label(l, "접수되었으나 정산되지 않은 레코드 %d건 (예: %s)", "%d records accepted and not settled (e.g. %s)"), max(p.Count, 1), p.Example)
	case p.Kind == ProblemStuck:
		s := fmt.Sprintf(label(l, "업무일 %s의 이체 %d건이 전송되지 않음", "%[2]d transfers of business date %[1]s not posted"), p.BusinessDate, max(p.Count, 1))
		if p.Example != "" {
			s += label(l, " (예: ", " (e.g. ") + p.Example + ")"
		}
		if p.Reason != "" {
			s += label(l, "; 마지막 오류: ", "; last error: ") + p.Reason
		}
		return s
	}
	return p.Reason
}

// problemAction is what resolves a problem, with the command to run.
func problemAction(l Lang, p *ProblemRow) string {
	id := string(p.TransferID)
	key := string(p.PaymentID)
	if p.CancellationID != "" {
		key = string(p.CancellationID)
	}
	switch p.Kind {
	case ProblemRejected:
		if p.File != "" {
			return label(l, "레코드를 고쳐 다시 가져오기: settle import "+p.File,
				"fix the record and import it again: settle import "+p.File)
		}
		return label(l, "레코드를 고쳐 다시 보내기 ("+sourceWord(l, p.Source)+")",
			"fix the record and send it again ("+sourceWord(l, p.Source)+")")
	case ProblemFailed:
		return label(l, "원인을 해결한 뒤 settle retry "+id+" · 레코드가 틀렸으면 settle void "+key+" --reason \"…\"",
			"resolve the cause, then settle retry "+id+"; if the record is wrong, settle void "+key+" --reason \"…\"")
	case ProblemConflict:
		return label(l, "PortOne의 이체를 확인한 뒤 settle retry "+id+" · 또는 settle void "+key+" --reason \"…\"",
			"check PortOne's transfer, then settle retry "+id+" or settle void "+key+" --reason \"…\"")
	case ProblemStuck:
		return label(l, "settle run post --date "+p.BusinessDate.String()+" (실패가 계속되면 settle retry "+id+")",
			"settle run post --date "+p.BusinessDate.String()+" (if it keeps failing, settle retry "+id+")")
	case ProblemUnsettled:
		return label(l, "settle run settle --date "+p.BusinessDate.String(), "settle run settle --date "+p.BusinessDate.String())
	}
	return ""
}

var sourceWords = vocab[string]{
	"api":      {"HTTP API", "HTTP API"},
	"webhook":  {"웹훅", "webhook"},
	"import":   {"파일 가져오기", "file import"},
	"pipeline": {"정산 단계", "settle job"},
}

func sourceWord(l Lang, s string) string { return sourceWords.say(l, s) }

// partnerTypeWord is PortOne's partner type (BUSINESS, WHT_PAYER,
// NON_WHT_PAYER) as a reader says it.
var partnerTypeWords = vocab[string]{
	"BUSINESS":      {"사업자", "Business"},
	"WHT_PAYER":     {"개인 (원천징수 대상)", "Individual, tax withheld (WHT_PAYER)"},
	"NON_WHT_PAYER": {"개인 (원천징수 비대상)", "Individual, no withholding (NON_WHT_PAYER)"},
	"":              {"알 수 없음", "unknown"},
}

func partnerTypeWord(l Lang, t string) string { return partnerTypeWords.say(l, t) }

// timeText shows an instant in loc to the second.
// appliedText is PortOne's appliedAt of a contract or policy version in
// the business time zone to the minute (PortOne sends RFC 3339 with
// nanoseconds, which no reader needs); text that does not parse shows as
// sent.
func appliedText(s string, loc *time.Location) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

func timeText(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("2006-01-02 15:04:05")
}
