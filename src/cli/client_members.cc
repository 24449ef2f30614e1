// `workspaced ws members ID [--put SUBJECT --role R | --remove SUBJECT]`:
// list a workspace's direct members, or change one.
#include <boost/json.hpp>
#include <cstdio>

#include "cli/client_commands.h"
#include "cli/client_output.h"

namespace workspaced::cli {

int ClientMembers(const ClientFlags& client, const ClientMembersFlags& flags) {
  if (!flags.put.empty() && !flags.remove.empty()) {
    std::fprintf(stderr, "error: give --put or --remove, not both\n");
    return kExitUsage;
  }
  if (flags.put.empty() != flags.role.empty()) {
    std::fprintf(stderr, "error: --put SUBJECT and --role ROLE go together\n");
    return kExitUsage;
  }
  if (!flags.if_match.empty() && flags.put.empty() && flags.remove.empty()) {
    std::fprintf(stderr, "error: --if-match needs --put or --remove\n");
    return kExitUsage;
  }
  auto api = NewApiClient(client);
  if (!api) return kExitUsage;
  const std::string members = "/v1/workspaces/" + client::QueryEscape(flags.id) + "/members";
  if (flags.put.empty() && flags.remove.empty()) {
    boost::json::array items;
    std::string next;
    int exit_code = kExitOk;
    if (!ReadPages(*api, members, 0, items, next, exit_code)) return exit_code;
    PrintItems(items, flags.output.empty() ? "table" : flags.output,
               {{"SUBJECT", "subject"}, {"ROLE", "role"}, {"SINCE", "created_at"}});
    return kExitOk;
  }
  const bool put = !flags.put.empty();
  client::Request request{.method = put ? "PUT" : "DELETE",
                          .target = members + "/" + client::QueryEscape(put ? flags.put
                                                                           : flags.remove)};
  if (put) {
    request.body = boost::json::serialize(boost::json::object{{"role", flags.role}});
    request.headers.emplace_back("Content-Type", "application/json");
  }
  if (!flags.if_match.empty()) request.headers.emplace_back("If-Match", QuotedEtag(flags.if_match));
  auto r = api->Send(std::move(request));
  if (!r.ok()) return ReportStatus(r.status());
  if (r->status / 100 != 2) return ReportProblem(*r);
  if (put) PrintResource(r->body, flags.output.empty() ? "json" : flags.output, r->Header("ETag"));
  return kExitOk;
}

}  // namespace workspaced::cli
