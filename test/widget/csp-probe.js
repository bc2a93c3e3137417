// Loaded first by the CSP host page (test/support/widget-backend.ts): records every Content-Security-Policy
// violation of the page, also those inside the element's shadow root (the event is composed).
window.cspViolations = [];
document.addEventListener(
  'securitypolicyviolation',
  (event) => window.cspViolations.push(`${event.effectiveDirective} ${event.blockedURI}`),
  true,
);
