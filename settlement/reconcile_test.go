package settlement

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCompare(t *testing.T) {
	ours, err := SettleOrder(benchOrder(), testTerms())
	if err != nil {
		t.Fatal(err)
	}
	same := cloneTransfer(ours)
	if ms := Compare(&ours, &same); len(ms) != 0 {
		t.Fatalf("identical transfers: %+v", ms)
	}
	theirs := cloneTransfer(ours)
	theirs.Lines[1].Amounts.PlatformFeeVat++
	theirs.Amounts.PlatformFeeVat++
	theirs.SettlementDate = theirs.SettlementDate.AddDays(1)
	got := Compare(&ours, &theirs)
	want := []Mismatch{
		{Reason: DateDiffers, Field: "settlementDate", Detail: "ours 2025-03-31, PortOne 2025-04-01"},
		{Reason: AmountDiffers, Field: "platformFeeVat", Local: ours.Amounts.PlatformFeeVat, PortOne: ours.Amounts.PlatformFeeVat + 1, Diff: 1},
		{Reason: AmountDiffers, ProductID: "b", Field: "platformFeeVat", Local: 99, PortOne: 100, Diff: 1},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Compare (-want +got):\n%s", d)
	}
	theirs = cloneTransfer(ours)
	theirs.Lines = theirs.Lines[:2]
	theirs.Lines[0].Quantity = 2
	got = Compare(&ours, &theirs)
	if len(got) != 2 || got[0].Reason != LineDiffers || got[0].Field != "quantity" || got[1].ProductID != "c" {
		t.Errorf("line differences: %+v", got)
	}
}

func TestNormalizeCancel(t *testing.T) {
	b, _ := NewBook(benchOrder(), testTerms())
	c, err := b.Cancel(Cancellation{CancellationID: "x", Form: CancelAll, SettlementStartDate: MustDate("2025-03-05")})
	if err != nil {
		t.Fatal(err)
	}
	neg := cloneTransfer(c)
	neg.Amounts = must(t)(neg.Amounts.Neg())
	for i := range neg.Lines {
		neg.Lines[i].Amounts = must(t)(neg.Lines[i].Amounts.Neg())
	}
	for i := range neg.Discounts {
		neg.Discounts[i].Amount = -neg.Discounts[i].Amount
		neg.Discounts[i].ShareAmount = -neg.Discounts[i].ShareAmount
	}
	if !NormalizeCancel(&neg) {
		t.Fatal("a negated cancel was not recognised")
	}
	if ms := Compare(&c, &neg); len(ms) != 0 {
		t.Errorf("negated cancel after NormalizeCancel: %+v", ms)
	}
	pos := cloneTransfer(c)
	if NormalizeCancel(&pos) {
		t.Error("a positive cancel was flipped")
	}
}

func TestIsStuck(t *testing.T) {
	start, set := MustDate("2025-03-04"), MustDate("2025-03-31")
	for _, c := range []struct {
		status TransferStatus
		today  string
		stuck  bool
	}{
		{StatusScheduled, "2025-03-03", false},
		{StatusScheduled, "2025-03-04", false}, // grace 1 day
		{StatusScheduled, "2025-03-05", true},
		{StatusInProcess, "2025-03-31", false},
		{StatusInProcess, "2025-04-02", true},
		{StatusSettled, "2025-05-01", false},
		{StatusPaidOut, "2025-05-01", false},
		{"SOMETHING_NEW", "2030-01-01", false},
	} {
		if got := IsStuck(c.status, start, set, MustDate(c.today), 1); got != c.stuck {
			t.Errorf("IsStuck(%s on %s) = %v, want %v", c.status, c.today, got, c.stuck)
		}
	}
}

func cloneTransfer(t Transfer) Transfer {
	c := t
	c.Lines = append([]LineResult(nil), t.Lines...)
	c.Discounts = append([]DiscountResult(nil), t.Discounts...)
	c.AdditionalFees = append([]FeeResult(nil), t.AdditionalFees...)
	return c
}

func TestCompareUserDefined(t *testing.T) {
	ours := Transfer{UserDefined: map[string]Won{"NET": 100, "PG": 5}, Lines: []LineResult{{Product: Product{ID: "a"}, UserDefined: map[string]Won{"NET": 100}}}}
	theirs := Transfer{UserDefined: map[string]Won{"NET": 101, "EXTRA": 7}, Lines: []LineResult{{Product: Product{ID: "a"}, UserDefined: map[string]Won{"NET": 100}}}}
	var got []string
	for _, m := range Compare(&ours, &theirs) {
		got = append(got, fmt.Sprintf("%s %s %d %d %s", m.ProductID, m.Field, m.Local, m.PortOne, m.Detail))
	}
	want := []string{
		" userDefinedFormulas.EXTRA 0 7 a formula at PortOne that the rules do not have",
		" userDefinedFormulas.NET 100 101 ",
		" userDefinedFormulas.PG 5 0 a formula of the rules that PortOne does not report",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("Compare (-want +got):\n%s", d)
	}
}
