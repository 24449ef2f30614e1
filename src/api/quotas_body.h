// The quotas of an account as the API takes and shows them.
//
// PUT …/quotas takes the limits, each null or absent for unlimited:
//   {"workspaces": 10, "members_per_workspace": 50, "regions": ["us-east-1"],
//    "secrets_per_workspace": 100, "vault_records_per_workspace": 1000}
// GET and PUT answer each limit with the usage it is compared with — the
// `allowed` and `current` of the quota-exceeded problem:
//   {"account_id": …, "workspaces": {"allowed": 10, "current": 3},
//    "members_per_workspace": {"allowed": 50, "current": 7},
//    "regions": {"allowed": ["us-east-1"], "current": ["us-east-1"]},
//    "updated_at": …, "updated_by": …}
//    "secrets_per_workspace": {"allowed": 100, "current": 12},
//    "vault_records_per_workspace": {"allowed": 1000, "current": 40}, …
// (members_per_workspace's, secrets_per_workspace's and
// vault_records_per_workspace's current: the account's largest workspace
// by that count.)
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "domain/quotas.h"
#include "model/model.h"

namespace workspaced::api {

// kInvalidArgument (400) when the body is not JSON; kUnprocessable (422)
// with one field error per problem, all at once: mistyped or unknown fields,
// and what domain::ValidateQuotas finds against the `regions` configured.
StatusOr<model::AccountQuotas> ParseQuotasBody(std::string_view body,
                                               const std::vector<std::string>& regions);

std::string QuotaUsageJson(const domain::QuotaUsage& usage);

}  // namespace workspaced::api
