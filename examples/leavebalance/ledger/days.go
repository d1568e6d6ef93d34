package ledger

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Days is an exact amount of leave in millionths of a day. Payloads carry
// amounts as decimal strings ("1.5"); at most six decimal places are
// accepted, so sums are exact.
type Days int64

const daysScale = 1_000_000

// Day is one whole day.
const Day Days = daysScale

// errDays reports an amount that is not an exact decimal.
var errDays = errors.New("not an exact decimal amount of days with at most 6 decimal places")

// ParseDays parses a decimal string such as "1.5", "-2" or "0.25".
func ParseDays(s string) (Days, error) {
	neg := strings.HasPrefix(s, "-")
	whole, frac, hasFrac := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if whole == "" || (len(whole) > 1 && whole[0] == '0') || (hasFrac && (frac == "" || len(frac) > 6)) || len(whole) > 9 {
		return 0, fmt.Errorf("%q: %w", s, errDays)
	}
	for _, part := range []string{whole, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return 0, fmt.Errorf("%q: %w", s, errDays)
			}
		}
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f := int64(0)
	if hasFrac {
		f, _ = strconv.ParseInt(frac+strings.Repeat("0", 6-len(frac)), 10, 64)
	}
	d := Days(w*daysScale + f)
	if neg {
		d = -d
	}
	return d, nil
}

// String formats the amount with as few decimals as it needs: "17.5", "-2", "0.25".
func (d Days) String() string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	s := sign + strconv.FormatInt(int64(d/daysScale), 10)
	if frac := int64(d % daysScale); frac != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%06d", frac), "0")
	}
	return s
}
