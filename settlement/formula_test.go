package settlement

import (
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestParseFormulaCanonical(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"ORDER_AMOUNT*FIXED_RATE+FIXED_AMOUNT", "ORDER_AMOUNT * FIXED_RATE + FIXED_AMOUNT"},
		{"  (ORDER_AMOUNT - DISCOUNT_AMOUNT) *0.1 ", "(ORDER_AMOUNT - DISCOUNT_AMOUNT) * 0.1"},
		{"주문금액", ""}, // not a name: see the error table
		{"ORDER_AMOUNT − PLATFORM_FEE_AMOUNT × 2", "ORDER_AMOUNT - PLATFORM_FEE_AMOUNT * 2"},
		{"-ORDER_AMOUNT", "-ORDER_AMOUNT"},
		{"a - (b - c)", "a - (b - c)"},
		{"a - b - c", "a - b - c"},
		{"(a - b) - c", "a - b - c"},
		{"(a * b) * c", "a * b * c"},
		{"a * (b * c)", "a * (b * c)"},
		{"a * (b + c)", "a * (b + c)"},
		{"2 * -3", "2 * -3"},
		{"-(a + b)", "-(a + b)"},
		{"((((a))))", "a"},
		{"0.032", "0.032"},
	} {
		if tc.want == "" {
			continue
		}
		n, err := parseFormula("f", tc.src)
		if err != nil {
			t.Errorf("parseFormula(%q): %v", tc.src, err)
			continue
		}
		if got := n.String(); got != tc.want {
			t.Errorf("parseFormula(%q) renders %q, want %q", tc.src, got, tc.want)
		}
		// The canonical form parses to itself.
		if m, err := parseFormula("f", n.String()); err != nil || m.String() != n.String() {
			t.Errorf("canonical %q does not round-trip: %v %v", n.String(), m, err)
		}
	}
}

func TestParseFormulaErrors(t *testing.T) {
	deep := strings.Repeat("(", MaxFormulaDepth+1) + "1" + strings.Repeat(")", MaxFormulaDepth+1)
	for _, tc := range []struct {
		src  string
		col  int
		want string
	}{
		{"", 1, "empty formula"},
		{"   ", 1, "empty formula"},
		{"ORDER_AMOUNT +", 15, "ends where a value was expected"},
		{"ORDER_AMOUNT / 2", 14, "division is not part of PortOne's formulas"},
		{"ORDER_AMOUNT ÷ 2", 14, "division"},
		{"(ORDER_AMOUNT * 0.1", 20, `expected ")" to close the "(" of column 1`},
		{"ORDER_AMOUNT)", 13, `")" without a matching "("`},
		{"ORDER_AMOUNT 2", 14, "expected an operator"},
		{"ORDER_AMOUNT % 2", 14, `unexpected character '%'`},
		{"주문금액 * 0.1", 1, `unexpected character '주'`},
		{"1.2.3", 4, "at most one decimal point"},
		{"ORDER_AMOUNT * .5", 16, "write digits on both sides"},
		{"ORDER_AMOUNT * 5.", 16, "write digits on both sides"},
		{"* 2", 1, `expected a number, a name or "(", got "*"`},
		{"()", 2, `expected a number, a name or "(", got ")"`},
		{strings.Repeat("9", 31), 1, "at most 30 digits"},
		{deep, MaxFormulaDepth + 1, "nested more than"},
		{strings.Repeat("-", MaxFormulaDepth+1) + "1", MaxFormulaDepth + 1, "nested more than"},
		{strings.Repeat("1+", MaxFormulaBytes), 1, "at most 2000 bytes"},
	} {
		_, err := parseFormula("platformFee", tc.src)
		if err == nil {
			t.Errorf("parseFormula(%q) = nil error, want column %d %q", tc.src, tc.col, tc.want)
			continue
		}
		if err.Formula != "platformFee" || err.Column != tc.col || !strings.Contains(err.Msg, tc.want) {
			t.Errorf("parseFormula(%q) = %v, want formula platformFee column %d %q", tc.src, err, tc.col, tc.want)
		}
		if !strings.HasPrefix(err.Error(), "formula platformFee, column ") {
			t.Errorf("parseFormula(%q): message %q does not name the formula and the column", tc.src, err.Error())
		}
	}
}

func TestFormulaEval(t *testing.T) {
	slots := map[string]int{"A": 0, "B": 1, "R": 2}
	env := []decimal.Decimal{decimal.NewFromInt(10000), decimal.NewFromInt(2000), decimal.New(3200, -5)}
	for _, tc := range []struct {
		src  string
		want string
	}{
		{"A", "10000"},
		{"A - B", "8000"},
		{"(A - B) * R", "256"},
		{"A - B * R", "9936"},
		{"A * 0.1 + 5", "1005"},
		{"-A + B", "-8000"},
		{"A * R * R", "10.24"},
		{"3 * (A - (B - 1))", "24003"},
		{"0.1 * 0.1 * 0.1", "0.001"},
		{"999999999999999999999999999999 * 999999999999999999999999999999", "999999999999999999999999999998000000000000000000000000000001"},
	} {
		n, ferr := parseFormula("f", tc.src)
		if ferr != nil {
			t.Fatalf("parseFormula(%q): %v", tc.src, ferr)
		}
		got := compile(n, func(s string) int { return slots[s] }).eval(env, nil)
		if got.String() != tc.want {
			t.Errorf("eval(%q) = %s, want %s", tc.src, got, tc.want)
		}
	}
}

func TestRoundWon(t *testing.T) {
	for _, tc := range []struct {
		v    string
		mode RoundMode
		want Won
		ok   bool
	}{
		{"255.9", RoundDown, 255, true},
		{"255.1", RoundUp, 256, true},
		{"255.5", RoundHalfUp, 256, true},
		{"255.49", RoundHalfUp, 255, true},
		{"-255.9", RoundDown, -255, true},
		{"-255.1", RoundUp, -256, true},
		{"9223372036854775807", RoundDown, 9223372036854775807, true},
		{"9223372036854775807.5", RoundUp, 0, false},
		{"-9223372036854775809", RoundDown, 0, false},
	} {
		got, ok := roundWon(decimal.RequireFromString(tc.v), tc.mode)
		if got != tc.want || ok != tc.ok {
			t.Errorf("roundWon(%s, %s) = %d, %v; want %d, %v", tc.v, tc.mode, got, ok, tc.want, tc.ok)
		}
	}
}

// FuzzFormula: no source makes the parser panic or loop; a formula that
// parses renders canonically to a formula that parses to the same
// rendering, and evaluates without panicking.
func FuzzFormula(f *testing.F) {
	for _, s := range []string{"ORDER_AMOUNT * FIXED_RATE + FIXED_AMOUNT", "(a - b) * 0.032", "-(-(1))", "1.", "((", "a b", "×−", "9999999999.99999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		n, err := parseFormula("f", src)
		if err != nil {
			if err.Column < 1 {
				t.Fatalf("column %d < 1: %v", err.Column, err)
			}
			return
		}
		c := n.String()
		m, err := parseFormula("f", c)
		if err != nil {
			t.Fatalf("canonical %q of %q does not parse: %v", c, src, err)
		}
		if m.String() != c {
			t.Fatalf("canonical %q of %q renders %q", c, src, m.String())
		}
		env := make([]decimal.Decimal, 1)
		env[0] = decimal.NewFromInt(7)
		compile(n, func(string) int { return 0 }).eval(env, nil)
	})
}

func TestFormulaErrorIs(t *testing.T) {
	_, err := NewRules(RulesSpec{Formulas: []FormulaSpec{{Key: FormulaPlatformFee, Formula: "ORDER_AMOUNT /"}}})
	var fe *FormulaError
	var re *RulesError
	if !errors.As(err, &re) || re.Key != "formulas.platformFee.formula" || !errors.As(err, &fe) || fe.Column != 14 {
		t.Fatalf("NewRules: %v, want a *RulesError at formulas.platformFee.formula wrapping a *FormulaError at column 14", err)
	}
}
