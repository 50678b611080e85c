package emulator

import (
	"fmt"
	"strings"

	"github.com/settle-dev/settle/settlement"
)

// PayoutControlSpec is one ControlPayout as an operator writes it on the
// command line (settle emulator --payout-fail PARTNER:DATE[:REASON]).
type PayoutControlSpec struct {
	Partner settlement.PartnerID
	Date    settlement.Date
	Action  PayoutAction
	Reason  string // a failed payout's failReason; "" for the others
}

// ParsePayoutControl reads spec, PARTNER:DATE[:REASON], for action a. A
// reason is taken only by FAIL (PortOne's failReason); the rest of spec
// after the second colon is the reason, colons included. The error names
// what is wrong and how to write it.
func ParsePayoutControl(a PayoutAction, spec string) (PayoutControlSpec, error) {
	c := PayoutControlSpec{Action: a}
	known := false
	for _, x := range PayoutActions {
		known = known || x == a
	}
	if !known {
		return c, fmt.Errorf("unknown payout action %q", a)
	}
	parts := strings.SplitN(spec, ":", 3)
	if len(parts) < 2 || strings.TrimSpace(parts[0]) == "" {
		form := "PARTNER:DATE"
		if a == PayoutFail {
			form += "[:REASON]"
		}
		return c, fmt.Errorf("%q: want %s, e.g. p-hanbit:2025-10-02", spec, form)
	}
	c.Partner = settlement.PartnerID(strings.TrimSpace(parts[0]))
	d, err := settlement.ParseDate(strings.TrimSpace(parts[1]))
	if err != nil {
		return c, fmt.Errorf("%q: settlement date: %w", spec, err)
	}
	c.Date = d
	if len(parts) == 3 {
		if a != PayoutFail {
			return c, fmt.Errorf("%q: only a failed payout takes a reason", spec)
		}
		c.Reason = strings.TrimSpace(parts[2])
	}
	return c, nil
}

// String is the spec as ParsePayoutControl reads it.
func (c PayoutControlSpec) String() string {
	s := fmt.Sprintf("%s %s:%s", c.Action, c.Partner, c.Date)
	if c.Reason != "" {
		s += ":" + c.Reason
	}
	return s
}

// Apply gives the control in both environments (test and live), as the
// command-line emulator serves both.
func (c PayoutControlSpec) Apply(s *Server) {
	for _, test := range []bool{false, true} {
		s.ControlPayout(test, c.Partner, c.Date, c.Action, c.Reason)
	}
}

// HasPartner reports whether the environment holds partner id (seeded or
// created).
func (s *Server) HasPartner(test bool, id settlement.PartnerID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.env(test).partners[string(id)] != nil
}
