// Package gcp is the provider adapter for Google Compute Engine, built on the
// REST clients of cloud.google.com/go/compute/apiv1 (v1.73.0).
//
// # What it covers
//
// One account covers one or more projects read with one set of credentials.
// Check lists each project's zones (the identity is the project ids joined
// with commas; the regions are those of the zones). List reads every
// instance of every zone with one paged instances.aggregatedList per project
// (maxResults 500), projects in parallel (at most 8 at once). Power starts,
// stops or resets (Reboot: a hard reset, Compute Engine has no guest reboot
// call) and waits for the zone operation to be DONE.
//
// A VM's ID is "<project>/<zone>/<name>", what the API needs to address it
// (the numeric instance id addresses nothing). Region is the zone minus its
// last "-x"; Type is the machine type's name, and its vCPUs and memory come
// from machineTypes.get, once per type name for the provider's lifetime
// (custom types are read from their name); DiskGB sums the attached disks;
// Image is the boot disk's source image or first license, OS "windows" or
// "linux" from its guest OS features and licenses; Tags are the labels.
// Statuses: PROVISIONING, STAGING → pending; RUNNING → running; STOPPING,
// SUSPENDING → stopping; TERMINATED, SUSPENDED → stopped; others (REPAIRING)
// → unknown.
//
// # Config
//
//	projects         project ids, at least one (6-30 characters: lowercase
//	                 letters, digits, hyphens; legacy "domain:id" accepted)
//	credentialsJson  secret: a service-account key file's JSON (type
//	                 "service_account" with client_email, private_key and
//	                 token_uri), or env:NAME / file:PATH. Empty: application
//	                 default credentials — GOOGLE_APPLICATION_CREDENTIALS,
//	                 gcloud's well-known file, or the metadata server when the
//	                 console runs on Google Cloud (workload identity included).
//	endpoint         base URL of the Compute API instead of
//	                 https://compute.googleapis.com (Private Service Connect,
//	                 tests). Tokens still come from the key's token_uri.
//
// # Permissions
//
// In every project: compute.zones.list, compute.instances.list,
// compute.machineTypes.get and compute.zoneOperations.get to read
// (roles/compute.viewer has them); compute.instances.start, .stop and .reset
// for power actions, compute.instances.get and .setMetadata for enrollment
// (roles/compute.instanceAdmin.v1, or a custom role with those nine
// permissions). Setting metadata on an instance that runs as a service
// account also needs iam.serviceAccounts.actAs on that account
// (roles/iam.serviceAccountUser). The Compute Engine API must be enabled in
// each project.
//
// # Enrollment
//
// Compute Engine cannot run a command in a running guest, so the adapter is
// a providers.BootScripter: SetBootScript writes the install script to the
// instance's startup-script metadata key, which the guest agent of Linux
// images runs at every boot. It reads the instance for its metadata
// fingerprint, keeps every other key, and calls instances.setMetadata with
// that fingerprint, waiting for the zone operation; a 412 conditionNotMet
// (someone changed the metadata meanwhile) is retried once after a fresh
// read, then reported. The script's "#!" line stays first and the line
// after it (or the first line) is the marker "# neoconsole-enroll": an
// existing startup-script without it is an administrator's, and is never
// replaced (ErrInvalidState). A running VM runs the script at its next boot
// (reset it to run it now), a stopped one when it starts. The script, and
// the enrollment key in it, stays in the metadata — run again at every boot,
// readable by whoever can read the instance — until the console or an
// administrator removes the key; the adapter does not remove it yet.
//
// # Errors and limits
//
// 401, and 403 other than rate limiting, are providers.ErrAuth (as is a
// token endpoint refusing the key, invalid_grant); 404 on a VM is
// ErrNotFound; 400 resourceNotReady is ErrInvalidState; 429 and 403
// rateLimitExceeded are retried up to 5 attempts with jittered exponential
// backoff capped at 4 s (Retry-After honoured up to 10 s), then
// ErrThrottled; connection failures are ErrUnreachable.
//
// The client library decodes a page as a whole: a field of the wrong JSON
// type fails that page's request, not just the record. Records with no name
// are skipped and reported by a providers.PartialError; an unknown status or
// an unparsable creationTimestamp leaves State unknown or CreatedAt zero. A
// zone the aggregated list marks UNREACHABLE is reported the same way.
// Without credentialsJson, New looks for application default credentials
// and, off Google Cloud, that may probe the metadata server.
//
// The REST clients' list iterators do not attach the caller's context to
// their requests; the adapter binds it in its own transport (ctxbind.go) so
// cancelling a List aborts the request in flight.
package gcp
