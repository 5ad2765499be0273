// The GitHub stand-in (tests/github/github_standin.h) as a process, for the
// browser tests, which are node scripts: it prints "url <its URL>" and
// writes the app's private key to argv[1], then obeys one command a line on
// stdin, answering "ok" (or "error <why>") to each:
//   repository OWNER/NAME                    the app is installed there
//   sign-in-as LOGIN                         whom the OAuth flow signs in next
//   permission OWNER/NAME LOGIN PERMISSION   read, triage, write, maintain or admin
// It exits when stdin closes.
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "github_standin.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " APP_KEY_FILE\n";
    return 2;
  }
  githubtest::GitHubStandin standin;
  std::ofstream{argv[1]} << standin.app_key().private_pem();
  std::cout << "url " << standin.url() << std::endl;
  for (std::string line; std::getline(std::cin, line);) {
    std::istringstream words(line);
    std::string command, first, second, third;
    words >> command >> first >> second >> third;
    if (command == "repository" && !first.empty()) {
      standin.add_repository(first);
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
