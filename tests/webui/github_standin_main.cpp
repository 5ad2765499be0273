// The GitHub stand-in (tests/github/github_standin.h) as a process, for the
// browser tests, which are node scripts: it prints
// "standin <its URL> <OAuth client id> <OAuth client secret>", then obeys
// one command a line on stdin, answering "ok" (or "error <why>") to each:
//   repository OWNER/NAME                    a repository of the app
//   personal-token TOKEN                     a token the API accepts (the server's)
//   sign-in-as LOGIN                         whom the OAuth flow signs in next
//   permission OWNER/NAME LOGIN PERMISSION   read, triage, write, maintain or admin
// It exits when stdin closes.
#include <iostream>
#include <sstream>
#include <string>

#include "github_standin.h"

int main() {
  using githubtest::GitHubStandin;
  GitHubStandin standin;
  std::cout << "standin " << standin.url() << " " << GitHubStandin::kClientId << " " << GitHubStandin::kClientSecret
            << std::endl;
  for (std::string line; std::getline(std::cin, line);) {
    std::istringstream words(line);
    std::string command, first, second, third;
    words >> command >> first >> second >> third;
    if (command == "repository" && !first.empty()) {
      standin.add_repository(first);
    } else if (command == "personal-token" && !first.empty()) {
      standin.accept_personal_token(first);
    } else if (command == "sign-in-as" && !first.empty()) {
      standin.sign_in_as(first);
    } else if (command == "permission" && !third.empty()) {
      standin.set_permission(first, second, third);
    } else {
      std::cout << "error unknown command: " << line << std::endl;
      continue;
    }
    std::cout << "ok" << std::endl;
  }
}
