"""The official Python client (Debian python3-kubernetes), unchanged, against a server.

Usage: python3 python-client-flow.py KUBECONFIG NAMESPACE
Runs one flow (create, paged list, selectors, patches, the scale subresource, watch, 404 and
409) and prints what it observed as one JSON object; the calling test asserts on it.
"""
import json
import sys

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException


def status_of(call):
    """Runs call, which must fail; returns the ApiException's status and Status body."""
    try:
        call()
    except ApiException as e:
        body = json.loads(e.body)
        return {"status": e.status, "kind": body.get("kind"), "reason": body.get("reason"),
                "code": body.get("code"), "details": body.get("details")}
    raise AssertionError("the call did not fail")


def main():
    kubeconfig, ns = sys.argv[1], sys.argv[2]
    api_client = config.new_client_from_config(config_file=kubeconfig)
    core = client.CoreV1Api(api_client)
    apps = client.AppsV1Api(api_client)
    out = {}

    core.create_namespace({"metadata": {"name": ns}})
    for i in range(5):
        core.create_namespaced_config_map(ns, {
            "metadata": {"name": "cm-%d" % i, "labels": {"tier": "a" if i % 2 == 0 else "b"}},
            "data": {"i": str(i)},
        })

    pages, token = [], None
    while True:
        kwargs = {"limit": 2}
        if token:
            kwargs["_continue"] = token
        page = core.list_namespaced_config_map(ns, **kwargs)
        pages.append([c.metadata.name for c in page.items])
        token = page.metadata._continue
        if not token:
            break
    out["pages"] = pages
    out["labelA"] = sorted(c.metadata.name for c in
                           core.list_namespaced_config_map(ns, label_selector="tier=a").items)
    out["notLabelA"] = sorted(c.metadata.name for c in
                              core.list_namespaced_config_map(ns, label_selector="tier!=a").items)
    out["field"] = [c.metadata.name for c in
                    core.list_namespaced_config_map(ns, field_selector="metadata.name=cm-3").items]

    # A dict body goes out as a strategic merge patch, a list as a JSON patch.
    smp = core.patch_namespaced_config_map("cm-0", ns, {"data": {"added": "yes"}})
    out["strategic"] = smp.data
    jp = core.patch_namespaced_config_map("cm-0", ns, [
        {"op": "replace", "path": "/data/i", "value": "zero"},
        {"op": "remove", "path": "/data/added"},
    ])
    out["jsonPatch"] = jp.data

    labels = {"app": "py"}
    apps.create_namespaced_deployment(ns, {
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels},
                         "spec": {"containers": [{"name": "c", "image": "busybox"}]}},
        },
    })
    scale = apps.read_namespaced_deployment_scale("web", ns)
    out["scaleBefore"] = {"kind": scale.kind, "replicas": scale.spec.replicas}
    scaled = apps.patch_namespaced_deployment_scale("web", ns, {"spec": {"replicas": 3}})
    out["scalePatched"] = scaled.spec.replicas
    replaced = apps.replace_namespaced_deployment_scale("web", ns, {
        "metadata": {"name": "web", "namespace": ns}, "spec": {"replicas": 2}})
    out["scaleReplaced"] = replaced.spec.replicas
    out["deploymentReplicas"] = apps.read_namespaced_deployment("web", ns).spec.replicas

    rv = core.list_namespaced_config_map(ns).metadata.resource_version
    core.create_namespaced_config_map(ns, {"metadata": {"name": "watched"}, "data": {"v": "1"}})
    core.patch_namespaced_config_map("watched", ns, {"data": {"v": "2"}})
    core.delete_namespaced_config_map("watched", ns)
    events = []
    w = watch.Watch()
    for ev in w.stream(core.list_namespaced_config_map, ns, resource_version=rv, timeout_seconds=10):
        obj = ev["object"]
        events.append([ev["type"], obj.metadata.name, (obj.data or {}).get("v")])
        if ev["type"] == "DELETED":
            w.stop()
    out["watch"] = events
    # Nothing happens: the stream ends on its own after timeout_seconds.
    quiet = list(watch.Watch().stream(core.list_namespaced_config_map, ns,
                                      resource_version=core.list_namespaced_config_map(ns).metadata.resource_version,
                                      timeout_seconds=1))
    out["quietWatch"] = len(quiet)

    out["notFound"] = status_of(lambda: core.read_namespaced_config_map("nope", ns))
    out["conflict"] = status_of(lambda: core.create_namespaced_config_map(ns, {"metadata": {"name": "cm-1"}}))
    stale = core.read_namespaced_config_map("cm-1", ns)
    core.patch_namespaced_config_map("cm-1", ns, {"data": {"bump": "1"}})
    out["staleUpdate"] = status_of(lambda: core.replace_namespaced_config_map("cm-1", ns, stale))

    core.delete_namespace(ns)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
