package settlement

import "testing"

func TestApplyRateRounding(t *testing.T) {
	cases := []struct {
		base             Won
		rate             Rate
		down, up, halfUp Won
	}{
		{333, 10000, 33, 34, 33},         // 33.3
		{335, 10000, 33, 34, 34},         // 33.5: half goes up
		{339, 10000, 33, 34, 34},         // 33.9
		{1, 50000, 0, 1, 1},              // 0.5
		{999, 3300, 32, 33, 33},          // 32.967
		{10000, 10000, 1000, 1000, 1000}, // exact
		{-333, 10000, -33, -34, -33},     // magnitudes round like positives
		{-335, 10000, -33, -34, -34},
		{12345, 1, 0, 1, 0}, // 0.12345
		{0, 10000, 0, 0, 0},
		{1 << 50, 99999, 1125888647843555, 1125888647843556, 1125888647843556}, // decimal path: …555.57
	}
	for _, c := range cases {
		for _, m := range []struct {
			mode RoundMode
			want Won
		}{{RoundDown, c.down}, {RoundUp, c.up}, {RoundHalfUp, c.halfUp}} {
			if got, ok := ApplyRate(c.base, c.rate, m.mode); got != m.want || !ok {
				t.Errorf("ApplyRate(%d, %v, %s) = %d, want %d", c.base, c.rate, m.mode, got, m.want)
			}
		}
	}
}

func TestSplitVATRounding(t *testing.T) {
	cases := []struct {
		gross            Won
		down, up, halfUp Won // the VAT
	}{
		{11000, 1000, 1000, 1000},
		{10000, 909, 910, 909}, // 909.09
		{10005, 909, 910, 910}, // 909.54
		{16, 1, 2, 1},          // 1.45
		{-10005, -909, -910, -910},
		{0, 0, 0, 0},
	}
	for _, c := range cases {
		for _, m := range []struct {
			mode RoundMode
			want Won
		}{{RoundDown, c.down}, {RoundUp, c.up}, {RoundHalfUp, c.halfUp}} {
			supply, vat := SplitVAT(c.gross, m.mode)
			if vat != m.want || supply+vat != c.gross {
				t.Errorf("SplitVAT(%d, %s) = (%d, %d), want VAT %d and a sum of %d", c.gross, m.mode, supply, vat, m.want, c.gross)
			}
		}
	}
}

func TestParseRoundMode(t *testing.T) {
	for in, want := range map[string]RoundMode{"": RoundDown, "DOWN": RoundDown, "UP": RoundUp, "HALF_UP": RoundHalfUp, "OFF": RoundHalfUp} {
		if got, err := ParseRoundMode(in); err != nil || got != want {
			t.Errorf("ParseRoundMode(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseRoundMode("BANKERS"); err == nil {
		t.Error("ParseRoundMode(BANKERS) accepted an unknown mode")
	}
}
