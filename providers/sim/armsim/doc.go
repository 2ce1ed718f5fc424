// Package armsim simulates the parts of Azure Resource Manager and Microsoft
// Entra ID that the azure adapter uses, in their real wire formats, over a
// *sim.Fleet, so the real armcompute and azidentity clients can be pointed at
// it through a cloud configuration:
//
//   - Entra ID (the authorityHost): the tenant's OpenID configuration and the
//     v2.0 token endpoint for the client-credentials grant, answering a wrong
//     secret with 401 invalid_client AADSTS7000215 as Entra does.
//   - ARM (the endpoint): GET /subscriptions/{s} and its /locations, the
//     subscription-wide VM list (with and without statusOnly=true, paged with
//     nextLink), GET of one VM, POST start/deallocate/powerOff/restart as
//     long-running operations (202 with Azure-AsyncOperation and Location,
//     polled until Succeeded), and the per-location vmSizes list.
//
// Every ARM request needs an api-version and a bearer token this server
// issued for its own audience (https://<host>); errors use ARM's shape
// {"error":{"code":…,"message":…}}. Faults wrap the ARM routes only:
// throttling answers 429 TooManyRequests with Retry-After: 1.
//
// The fleet's VM ids are full ARM resource ids (Populate makes them); a VM's
// Group is its resource group, Zone its availability zone number ("1"), Image
// an image URN publisher:offer:sku:version and OS "Linux" or "Windows".
// Terminated VMs are gone, as deleted VMs are in Azure.
//
// ARM needs TLS for bearer tokens (azcore refuses them over plain http), so
// serve it with httptest.NewTLSServer and hand its certificate to the adapter
// as caCert.
package armsim
