package reports

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/settle-dev/settle/settlement"
)

// statementOf is the fixture's transfers of one partner as a statement
// source.
func statementOf(partner settlement.PartnerID, typ string) *memSource {
	src := fixture()
	var mine []TransferRow
	for _, tr := range src.transfers {
		if tr.PartnerID == partner {
			mine = append(mine, tr)
		}
	}
	src.transfers = mine
	src.statement = StatementInfo{PartnerID: partner, PartnerName: mine[0].PartnerName, PartnerType: typ, From: src.info.From, To: src.info.To,
		GeneratedAt: time.Date(2025, 10, 3, 2, 0, 5, 0, time.FixedZone("KST", 9*3600))}
	return src
}

func writeStatement(t *testing.T, src StatementSource, opts Options) *excelize.File {
	t.Helper()
	var buf bytes.Buffer
	if opts.TempDir == "" {
		opts.TempDir = t.TempDir()
	}
	if err := WriteStatement(context.Background(), &buf, src, opts); err != nil {
		t.Fatalf("WriteStatement: %v", err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestStatementGolden(t *testing.T) {
	for _, lang := range []Lang{LangKO, LangEN} {
		t.Run(string(lang), func(t *testing.T) {
			f := writeStatement(t, statementOf("007", "WHT_PAYER"), Options{Lang: lang, Loc: seoul(t), Version: "v1.2.3-test"})
			golden(t, "statement_"+string(lang), dump(t, f))
		})
	}
}

// TestStatement: the statement answers "why is partner X paid Y on date
// D": per settlement date, its orders and cancellations net, what was
// deducted, the contracts and policies, and it prints as a document.
func TestStatement(t *testing.T) {
	src := statementOf("007", "WHT_PAYER")
	f := writeStatement(t, src, Options{Lang: LangEN, Loc: seoul(t)})
	if got := f.GetSheetList(); len(got) != 2 || got[0] != "Statement" || got[1] != "Statement detail" {
		t.Fatalf("sheets = %q", got)
	}
	var want settlement.Won
	perDate := map[string]settlement.Won{}
	for _, tr := range src.transfers {
		w := tr.Amounts.Settlement
		if tr.Kind == settlement.KindOrderCancel {
			w = -w
		}
		want += w
		perDate[tr.SettlementDate.String()] += w
	}
	rows, err := f.GetRows("Statement", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	text := ""
	var total, dates int
	for _, r := range rows {
		text += strings.Join(r, "|") + "\n"
		if len(r) > 10 && r[0] == "Total" {
			total++
			if r[10] != strconv.FormatInt(int64(want), 10) {
				t.Errorf("statement total settlement = %s, want %d", r[10], want)
			}
		}
		if len(r) > 10 {
			if d, err := strconv.ParseInt(r[0], 10, 64); err == nil {
				dates++
				day := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(d-unixEpochSerial)).Format("2006-01-02")
				if r[10] != strconv.FormatInt(int64(perDate[day]), 10) {
					t.Errorf("settlement on %s = %s, want %d", day, r[10], perDate[day])
				}
			}
		}
	}
	if total != 1 || dates != len(perDate) {
		t.Errorf("per-date table: %d total rows, %d dates; want 1 and %d:\n%s", total, dates, len(perDate), text)
	}
	for _, want := range []string{
		"Partner|", "칠공칠 상점", "Individual, tax withheld (WHT_PAYER)", "2025-10-01 – 2025-10-02",
		"Contract: 일정산 10% (ct-10 v2)", "PG 수수료 (rate 3.3%, VAT paid by partner) [afp-pg v1]",
		"Tax withheld at payout|", "Payouts and the tax withheld are shown here",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("statement lacks %q:\n%s", want, text)
		}
	}
	checkPrint(t, f, "Statement", false, 0)
	checkPrint(t, f, "Statement detail", true, 0)

	// The detail: one row per order and cancellation, cancellations
	// negative, the total is what the partner is paid.
	detail := rowsBy(t, f, "Statement detail")
	var sum int64
	n := 0
	for _, r := range detail {
		if r["Type"] == "" {
			if strings.HasPrefix(r["Settlement date"], "Total") && r["Settlement"] != strconv.FormatInt(int64(want), 10) {
				t.Errorf("detail total = %s, want %d", r["Settlement"], want)
			}
			continue
		}
		n++
		v, _ := strconv.ParseInt(r["Settlement"], 10, 64)
		if r["Type"] == "Cancellation" && v >= 0 {
			t.Errorf("cancellation %s shown as %d, want it negative", r["Cancellation ID"], v)
		}
		sum += v
	}
	if n != len(src.transfers) || sum != int64(want) {
		t.Errorf("detail: %d rows adding up to %d; want %d rows, %d", n, sum, len(src.transfers), want)
	}
}

func TestStatementErrors(t *testing.T) {
	src := statementOf("007", "BUSINESS")
	src.failOn = "Transfers"
	if err := WriteStatement(context.Background(), &bytes.Buffer{}, src, Options{TempDir: t.TempDir()}); !errors.Is(err, errFixture) {
		t.Errorf("failing source: err = %v, want errFixture", err)
	}
	if err := WriteStatement(context.Background(), &bytes.Buffer{}, src, Options{Lang: "de"}); !errors.Is(err, ErrOptions) {
		t.Errorf("lang de: err = %v, want ErrOptions", err)
	}
}
