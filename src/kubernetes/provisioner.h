// The Kubernetes provisioner (docs/kubernetes.md): one batch/v1 Job per
// workflow, running the agent image with the workflow's token from a Secret.
//
// It watches its Jobs and their pods: a Job that ends is reported as its
// agent's exit; a pod whose agent cannot start (its image cannot be pulled,
// no node can take it) has its Job deleted and is reported with the reason
// from the pod's status, so the workflow ends as error at once instead of
// at its lease's end. Cancelling a workflow deletes its Job: the pod's agent
// gets SIGTERM, cancels its run and reports.
//
// Thread-safety: as orchestrator::Provisioner (one thread calls it); two
// threads of its own watch Jobs and pods.
#pragma once

#include <memory>

#include "kubernetes/cluster.h"
#include "kubernetes/jobs.h"
#include "orchestrator/provisioner.h"

namespace kubernetes {

struct ProvisionerOptions {
  Cluster cluster;
  JobTemplate job;
  std::string server_url;  // what agents in pods call; empty: the URL the orchestrator gives
  std::size_t max_agents = 4;
};

std::unique_ptr<orchestrator::Provisioner> make_provisioner(ProvisionerOptions options);

}  // namespace kubernetes
