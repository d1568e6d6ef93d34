package naming

// MaxExtensionNameLen is the longest extension attribute name ELMO accepts.
// CloudEvents says names SHOULD NOT exceed 20 characters; ELMO makes it a
// MUST.
const MaxExtensionNameLen = 20

// ValidateExtensionName checks a CloudEvents extension attribute name:
// lowercase ASCII letters and digits only, 1 to [MaxExtensionNameLen]
// characters.
func ValidateExtensionName(name string) error {
	if err := ValidateAttributeChars(name); err != nil {
		return err
	}
	if len(name) > MaxExtensionNameLen {
		return newError(ErrInvalidExtensionName, name, "", "must be at most 20 characters long")
	}
	return nil
}

// ValidateAttributeChars checks only the MUST of the CloudEvents
// specification for attribute names: a non-empty string of lowercase ASCII
// letters and digits. It does not check the length.
func ValidateAttributeChars(name string) error {
	if name == "" {
		return newError(ErrInvalidExtensionName, name, "", "must not be empty")
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !isLower(c) && !isDigit(c) {
			return newError(ErrInvalidExtensionName, name, "", "must contain only lowercase letters a-z and digits 0-9")
		}
	}
	return nil
}

// ValidateEnumValue checks that s is an enumeration value in
// UPPER_SNAKE_CASE: [A-Z][A-Z0-9]*(_[A-Z0-9]+)*, for example
// ANNUAL_LEAVE.
func ValidateEnumValue(s string) error {
	ok := s != "" && isUpper(s[0])
	for i := 1; ok && i < len(s); i++ {
		c := s[i]
		switch {
		case isUpper(c) || isDigit(c):
		case c == '_':
			ok = i < len(s)-1 && s[i+1] != '_'
		default:
			ok = false
		}
	}
	if !ok {
		return newError(ErrInvalidEnumValue, s, "", "must be UPPER_SNAKE_CASE ([A-Z][A-Z0-9]*(_[A-Z0-9]+)*)")
	}
	return nil
}
