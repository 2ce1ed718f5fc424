// Package azure is the provider adapter for Azure virtual machines: one
// account is one credential and one or more subscriptions.
//
// # What it does
//
//   - Check reads each subscription (Subscriptions - Get; a Disabled or
//     Deleted one fails) and its locations (Subscriptions - List Locations).
//     Identity is the subscription ids; regions are the physical locations.
//   - List runs, per subscription and in parallel (up to 8 subscriptions at
//     once), VirtualMachines - List All twice at the same time: the model
//     view (size, OS disk, image, tags, zones, creation time, dedicated host)
//     and statusOnly=true (the instance view with the power state), because
//     ARM answers a list with one or the other. Both follow nextLink. The two
//     are joined on the resource id; a VM missing from the status listing
//     (created in between) is "unknown" until the next List. vCPUs and
//     memory come from each location's size list (Virtual Machine Sizes -
//     List), fetched once per location for the provider's lifetime.
//   - Power: start is Start, stop is Deallocate (a VM stopped without
//     deallocation is still billed), reboot is Restart; each waits for the
//     long-running operation's Azure-AsyncOperation to succeed.
//   - Exec (providers.Executor) runs a command through Run Command
//     (VirtualMachines - Run Command, commandId RunShellScript) and waits on
//     its long-running operation; Linux VMs only, with a running VM agent.
//
// # Exec
//
// Run Command takes a script and has no stdin, and its RunShellScript output
// carries no exit code. So Exec sends a script that feeds stdin through a
// here-document of its base64 (base64 -d <<'…' | env -- 'argv0' …; each
// argument single-quoted, so nothing is interpreted) and then prints
// "__neoconsole_exit=$?" on a line of its own; Exec reads the exit code from
// that last stdout line and removes it. Stdout and stderr come from the
// Linux agent's "[stdout]…[stderr]…" message (or ComponentStatus/StdOut and
// /StdErr statuses). A Windows VM is ErrInvalidState (it would need
// RunPowerShellScript; use the console's install link there), as are a VM
// that is not running (409 OperationNotAllowed) and one already running a
// Run Command (409 Conflict). Run Command's own limits apply: 20 s or more
// for any command, only the last 4,096 bytes of each stream, and no
// cancelling: when ctx ends Exec returns, but the command runs on in the
// guest (up to 90 minutes) and the VM takes no other Run Command until then.
//
// The VM's ID is its full ARM resource id
// (/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{name});
// Power takes the subscription, resource group and name from it. Zone is
// "<location>-<zone>" (westeurope-1); OS is the OS disk's type (linux,
// windows); Image is the marketplace URN publisher:offer:sku:version or the
// gallery or custom image id. ConsoleURL opens the VM in the portal of the
// endpoint's cloud (portal.azure.com, .cn, .us; portal.<fqdn> for Azure
// Stack Hub's management.<fqdn>).
//
// # Configuration
//
//	subscriptions  subscription ids (GUIDs), required
//	auth           clientSecret | managedIdentity | cli | default; empty means
//	               clientSecret when clientSecret is set
//	tenantId       Entra tenant id or domain; required with clientSecret,
//	               optional otherwise (it also scopes the portal links)
//	clientId       app (client) id with clientSecret; a user-assigned managed
//	               identity's client id with managedIdentity; unused otherwise
//	clientSecret   (secret) the app's client secret; env:NAME and file:PATH work
//	endpoint       ARM base URL (default https://management.azure.com)
//	audience       token audience of that endpoint (default: the known
//	               cloud's, else the endpoint); Azure Stack Hub needs it
//	authorityHost  Entra ID login URL (default: the known cloud's); setting it
//	               turns instance discovery off, as private clouds need
//	caCert         PEM CA trusted besides the system's, for endpoint and
//	               authorityHost
//
// Credentials: clientSecret is ClientSecretCredential; managedIdentity is
// ManagedIdentityCredential (system- or user-assigned); cli is
// AzureCLICredential (az login as the console's user); default is
// DefaultAzureCredential, which covers AKS workload identity (the
// AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE the
// webhook sets), environment variables and managed identity.
//
// # Permissions
//
// Reader on each subscription covers Check and List
// (Microsoft.Resources/subscriptions/read, .../locations/read,
// Microsoft.Compute/virtualMachines/read, Microsoft.Compute/locations/vmSizes/read).
// Power also needs Microsoft.Compute/virtualMachines/start/action,
// /deallocate/action and /restart/action, e.g. the Virtual Machine
// Contributor role or a custom role with just those three. Exec needs
// Microsoft.Compute/virtualMachines/runCommand/action (in Virtual Machine
// Contributor too): it runs anything as root on the VM, so grant it only to
// accounts meant to enroll VMs.
//
// # Errors, retries, limits
//
// 401 and 403 (and failed token requests, e.g. AADSTS7000215) wrap
// providers.ErrAuth; 404 ErrNotFound (a malformed id too); 409 (e.g.
// OperationNotAllowed) ErrInvalidState; dial, DNS and TLS failures, ARM's
// and the login host's, ErrUnreachable. 408, 429 and 5xx are retried by the
// azcore retry policy, 4 retries with jittered backoff from 0.5 s capped at
// 5 s, honouring Retry-After up to that cap; 429 after that is ErrThrottled.
// A subscription where Microsoft.Compute was never registered
// (MissingSubscriptionRegistration) has no VMs; the adapter never registers
// providers itself.
//
// Limits: ARM VM objects carry no IP addresses (they are on the network
// interfaces and public IP resources), so PrivateIPs and PublicIPs are empty;
// reading them would cost a Network list per subscription. The list pages
// are decoded with the adapter's own types, through the same azcore
// pipeline as armcompute (credential, retries, TLS), because armcompute's
// generated decoders spend about 1 ms per VM and lose a whole page to one
// malformed record; power actions and size lists use armcompute. A size
// list that cannot be read leaves vCPUs and memory at 0 rather than failing
// the List.
package azure
