package stsemu

import "net/http"

// apiError is an STS error answer: HTTP status, ErrorResponse code and
// message. Messages never carry secrets or MFA codes.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// errType is the ErrorResponse Type: Receiver for server faults.
func (e *apiError) errType() string {
	if e.Status >= 500 {
		return "Receiver"
	}
	return "Sender"
}

func newErr(status int, code, msg string) *apiError {
	return &apiError{Status: status, Code: code, Message: msg}
}

func errIncompleteSignature(msg string) *apiError {
	return newErr(http.StatusBadRequest, "IncompleteSignature", msg)
}

func errValidation(msg string) *apiError {
	return newErr(http.StatusBadRequest, "ValidationError", msg)
}

func errAccessDenied(msg string) *apiError {
	return newErr(http.StatusForbidden, "AccessDenied", msg)
}

var (
	errMissingAuth = newErr(http.StatusForbidden, "MissingAuthenticationToken",
		"Request is missing Authentication Token")
	errInvalidClientTokenID = newErr(http.StatusForbidden, "InvalidClientTokenId",
		"The security token included in the request is invalid.")
	errSignatureMismatch = newErr(http.StatusForbidden, "SignatureDoesNotMatch",
		"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	// Real STS answers an expired session token with 403 ExpiredToken (the
	// API model says 400 for ExpiredTokenException, which is about the
	// tokens passed to AssumeRoleWith*; observed answers are 403).
	errExpiredToken = newErr(http.StatusForbidden, "ExpiredToken",
		"The security token included in the request is expired")
	errThrottling    = newErr(http.StatusBadRequest, "Throttling", "Rate exceeded")
	errInternal      = newErr(http.StatusInternalServerError, "InternalFailure", "An internal error occurred.")
	errUnavailable   = newErr(http.StatusServiceUnavailable, "ServiceUnavailable", "The request has failed due to a temporary failure of the server.")
	errInvalidMFA    = errAccessDenied("MultiFactorAuthentication failed with invalid MFA one time pass code. ")
	errMFASerial     = errAccessDenied("MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA serial number is valid and associated with this user.")
	errMFAIncomplete = errAccessDenied("MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.")
)
