// `workspaced ws audit ID`: a workspace's audit events, newest first, with
// the API's filters; one page unless --all follows every `Link`.
#include <boost/json.hpp>
#include <cstdio>

#include "cli/client_commands.h"
#include "cli/client_output.h"

namespace workspaced::cli {

namespace {

// The cursor parameter of a next-page target, as the server wrote it
// (base64url: safe to pass back as is).
std::string CursorOf(const std::string& target) {
  const auto at = target.find("cursor=");
  if (at == std::string::npos) return "";
  const auto end = target.find('&', at);
  return target.substr(at + 7, end == std::string::npos ? std::string::npos : end - at - 7);
}

}  // namespace

int ClientAudit(const ClientFlags& client, const ClientAuditFlags& flags) {
  auto api = NewApiClient(client);
  if (!api) return kExitUsage;
  Query query;
  query.Add("action", flags.action);
  query.Add("actor", flags.actor);
  query.Add("since", flags.since);
  query.Add("until", flags.until);
  if (flags.limit > 0) query.Add("limit", std::to_string(flags.limit));
  query.Add("cursor", flags.cursor);
  boost::json::array items;
  std::string next;
  int exit_code = kExitOk;
  if (!ReadPages(*api, "/v1/workspaces/" + client::QueryEscape(flags.id) + "/audit" + query.str(),
                 flags.all ? 0 : 1, items, next, exit_code))
    return exit_code;
  PrintItems(items, flags.output,
             {{"SEQ", "seq"}, {"TIME", "time"}, {"ACTOR", "actor.subject"},
              {"ACTION", "action"}, {"OUTCOME", "outcome"}, {"TARGET", "target.id"}});
  if (const std::string cursor = CursorOf(next); !cursor.empty())
    std::fprintf(stderr, "more events: --cursor %s (or --all)\n", cursor.c_str());
  return kExitOk;
}

}  // namespace workspaced::cli
