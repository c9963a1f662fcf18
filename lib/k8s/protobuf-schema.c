/* SPDX-License-Identifier: Apache-2.0 */

/*
 * Protobuf schema of the Kubernetes types kshim decodes from application/vnd.kubernetes.protobuf bodies.
 *
 * Field numbers come from generated.proto of k8s.io/api and k8s.io/apimachinery (v1.32); JSON names are the
 * Go json tags. PB_KEEP_ZERO marks scalar fields that Go's JSON emits when zero: pointer fields (*int32,
 * *bool, *string...) and fields without omitempty (ContainerPort.containerPort, ServicePort.port, ...).
 * Everything else is omitted when zero, because gogo-protobuf writes non-pointer scalars unconditionally.
 * Fields not listed here are skipped by the decoder (and counted); add them here when a client needs them.
 *
 * Provenance of the numbers: checked against generated.proto for rbac/v1 and networking/v1 (recent) and an
 * older core/v1 (fields present there: Container, ContainerPort, EnvVar*, ConfigMap*, PodSpec up to 35,
 * PodStatus, ServiceSpec up to 22, VolumeSource, VolumeMount 1-6, Probe, Toleration, ...); confirmed on the
 * wire by the kubectl 1.32 bodies in test-data/protobuf (ObjectMeta, Namespace, ConfigMap, Secret,
 * ServiceAccount, Service, Deployment, PodTemplateSpec, PodSpec, Container, Job, CronJob, RBAC, ResourceQuota,
 * PriorityClass, PodDisruptionBudget, Ingress). Newer fields (PodSpec 36-40, Container 23-24,
 * VolumeMount.recursiveReadOnly, SecurityContext.appArmorProfile, ServiceSpec.trafficDistribution, JobSpec
 * 12-16, ...) follow upstream v1.32 but were not cross-checked against a stored copy of the file.
 *
 * Each message is one MESSAGE(Name, fields...) group, defined before the messages that use it.
 */

#include <string.h>

#include "macro.h"
#include "protobuf.h"

#define MESSAGE(id, ...)                                                                                     \
        static const PbField pb_##id##_fields[] = { __VA_ARGS__ };                                           \
        static const PbMessage pb_##id = {                                                                   \
                .name = #id,                                                                                 \
                .fields = pb_##id##_fields,                                                                  \
                .n_fields = ELEMENTSOF(pb_##id##_fields),                                                    \
        }

#define FIELD(n, j, k, l, fl, m) { .number = (n), .json_name = (j), .kind = (k), .label = (l), .flags = (fl), .message = (m) }
/* scalars, omitted when zero */
#define STR(n, j) FIELD(n, j, PB_STRING, PB_SINGLE, 0, NULL)
#define BOOL(n, j) FIELD(n, j, PB_BOOL, PB_SINGLE, 0, NULL)
#define I32(n, j) FIELD(n, j, PB_INT32, PB_SINGLE, 0, NULL)
#define I64(n, j) FIELD(n, j, PB_INT64, PB_SINGLE, 0, NULL)
/* scalars emitted even when zero (pointer fields, no omitempty) */
#define STRK(n, j) FIELD(n, j, PB_STRING, PB_SINGLE, PB_KEEP_ZERO, NULL)
#define BOOLK(n, j) FIELD(n, j, PB_BOOL, PB_SINGLE, PB_KEEP_ZERO, NULL)
#define I32K(n, j) FIELD(n, j, PB_INT32, PB_SINGLE, PB_KEEP_ZERO, NULL)
#define I64K(n, j) FIELD(n, j, PB_INT64, PB_SINGLE, PB_KEEP_ZERO, NULL)
/* special types */
#define QTY(n, j) FIELD(n, j, PB_QUANTITY, PB_SINGLE, 0, NULL)
#define TIME(n, j) FIELD(n, j, PB_TIME, PB_SINGLE, 0, NULL)
#define MTIME(n, j) FIELD(n, j, PB_MICROTIME, PB_SINGLE, 0, NULL)
#define IOS(n, j) FIELD(n, j, PB_INTORSTRING, PB_SINGLE, 0, NULL)
#define FV1(n, j) FIELD(n, j, PB_FIELDSV1, PB_SINGLE, 0, NULL)
/* messages */
#define MSG(n, j, id) FIELD(n, j, PB_MESSAGE, PB_SINGLE, 0, &pb_##id)
#define INLINE(n, id) FIELD(n, #id, PB_MESSAGE, PB_SINGLE, PB_INLINE, &pb_##id)
/* repeated */
#define RSTR(n, j) FIELD(n, j, PB_STRING, PB_REPEATED, 0, NULL)
#define RI64(n, j) FIELD(n, j, PB_INT64, PB_REPEATED, 0, NULL)
#define RMSG(n, j, id) FIELD(n, j, PB_MESSAGE, PB_REPEATED, 0, &pb_##id)
/* maps with string keys */
#define MAPSTR(n, j) FIELD(n, j, PB_STRING, PB_MAP, 0, NULL)
#define MAPBYTES(n, j) FIELD(n, j, PB_BYTES, PB_MAP, 0, NULL)
#define MAPQTY(n, j) FIELD(n, j, PB_QUANTITY, PB_MAP, 0, NULL)
#define MAPTIME(n, j) FIELD(n, j, PB_TIME, PB_MAP, 0, NULL)

/* ======== k8s.io/apimachinery/pkg/apis/meta/v1 ======== */

MESSAGE(OwnerReference,
        STRK(5, "apiVersion"),
        STRK(1, "kind"),
        STRK(3, "name"),
        STRK(4, "uid"),
        BOOLK(6, "controller"),
        BOOLK(7, "blockOwnerDeletion"));

MESSAGE(ManagedFieldsEntry,
        STR(1, "manager"),
        STR(2, "operation"),
        STR(3, "apiVersion"),
        TIME(4, "time"),
        STR(6, "fieldsType"),
        FV1(7, "fieldsV1"),
        STR(8, "subresource"));

MESSAGE(ObjectMeta,
        STR(1, "name"),
        STR(2, "generateName"),
        STR(3, "namespace"),
        STR(4, "selfLink"),
        STR(5, "uid"),
        STR(6, "resourceVersion"),
        I64(7, "generation"),
        TIME(8, "creationTimestamp"),
        TIME(9, "deletionTimestamp"),
        I64K(10, "deletionGracePeriodSeconds"),
        MAPSTR(11, "labels"),
        MAPSTR(12, "annotations"),
        RMSG(13, "ownerReferences", OwnerReference),
        RSTR(14, "finalizers"),
        RMSG(17, "managedFields", ManagedFieldsEntry));

MESSAGE(LabelSelectorRequirement,
        STRK(1, "key"),
        STRK(2, "operator"),
        RSTR(3, "values"));

MESSAGE(LabelSelector,
        MAPSTR(1, "matchLabels"),
        RMSG(2, "matchExpressions", LabelSelectorRequirement));

MESSAGE(Condition,
        STRK(1, "type"),
        STRK(2, "status"),
        I64(3, "observedGeneration"),
        TIME(4, "lastTransitionTime"),
        STRK(5, "reason"),
        STRK(6, "message"));

/* ======== k8s.io/api/core/v1 ======== */

MESSAGE(LocalObjectReference,
        STR(1, "name"));

MESSAGE(ObjectReference,
        STR(1, "kind"),
        STR(2, "namespace"),
        STR(3, "name"),
        STR(4, "uid"),
        STR(5, "apiVersion"),
        STR(6, "resourceVersion"),
        STR(7, "fieldPath"));

MESSAGE(NamespaceSpec,
        RSTR(1, "finalizers"));

MESSAGE(NamespaceCondition,
        STRK(1, "type"),
        STRK(2, "status"),
        TIME(4, "lastTransitionTime"),
        STR(5, "reason"),
        STR(6, "message"));

MESSAGE(NamespaceStatus,
        STR(1, "phase"),
        RMSG(2, "conditions", NamespaceCondition));

MESSAGE(Namespace,
        MSG(1, "metadata", ObjectMeta),
        MSG(2, "spec", NamespaceSpec),
        MSG(3, "status", NamespaceStatus));

MESSAGE(ConfigMap,
        MSG(1, "metadata", ObjectMeta),
        MAPSTR(2, "data"),
        MAPBYTES(3, "binaryData"),
        BOOLK(4, "immutable"));

MESSAGE(Secret,
        MSG(1, "metadata", ObjectMeta),
        MAPBYTES(2, "data"),
        STR(3, "type"),
        BOOLK(5, "immutable"),
        MAPSTR(4, "stringData"));

MESSAGE(ServiceAccount,
        MSG(1, "metadata", ObjectMeta),
        RMSG(2, "secrets", ObjectReference),
        RMSG(3, "imagePullSecrets", LocalObjectReference),
        BOOLK(4, "automountServiceAccountToken"));

/* Service */
MESSAGE(ServicePort,
        STR(1, "name"),
        STR(2, "protocol"),
        STRK(6, "appProtocol"),
        I32K(3, "port"),
        IOS(4, "targetPort"),
        I32(5, "nodePort"));

MESSAGE(ClientIPConfig,
        I32K(1, "timeoutSeconds"));

MESSAGE(SessionAffinityConfig,
        MSG(1, "clientIP", ClientIPConfig));

MESSAGE(ServiceSpec,
        RMSG(1, "ports", ServicePort),
        MAPSTR(2, "selector"),
        STR(3, "clusterIP"),
        RSTR(18, "clusterIPs"),
        STR(4, "type"),
        RSTR(5, "externalIPs"),
        STR(7, "sessionAffinity"),
        STR(8, "loadBalancerIP"),
        RSTR(9, "loadBalancerSourceRanges"),
        STR(10, "externalName"),
        STR(11, "externalTrafficPolicy"),
        I32(12, "healthCheckNodePort"),
        BOOL(13, "publishNotReadyAddresses"),
        MSG(14, "sessionAffinityConfig", SessionAffinityConfig),
        RSTR(19, "ipFamilies"),
        STRK(17, "ipFamilyPolicy"),
        BOOLK(20, "allocateLoadBalancerNodePorts"),
        STRK(21, "loadBalancerClass"),
        STRK(22, "internalTrafficPolicy"),
        STRK(23, "trafficDistribution"));

MESSAGE(PortStatus,
        I32K(1, "port"),
        STRK(2, "protocol"),
        STRK(3, "error"));

MESSAGE(LoadBalancerIngress,
        STR(1, "ip"),
        STR(2, "hostname"),
        STRK(3, "ipMode"),
        RMSG(4, "ports", PortStatus));

MESSAGE(LoadBalancerStatus,
        RMSG(1, "ingress", LoadBalancerIngress));

MESSAGE(ServiceStatus,
        MSG(1, "loadBalancer", LoadBalancerStatus),
        RMSG(2, "conditions", Condition));

MESSAGE(Service,
        MSG(1, "metadata", ObjectMeta),
        MSG(2, "spec", ServiceSpec),
        MSG(3, "status", ServiceStatus));

/* Pods: containers */
MESSAGE(ContainerPort,
        STR(1, "name"),
        I32(2, "hostPort"),
        I32K(3, "containerPort"),
        STR(4, "protocol"),
        STR(5, "hostIP"));

MESSAGE(ObjectFieldSelector,
        STR(1, "apiVersion"),
        STRK(2, "fieldPath"));

MESSAGE(ResourceFieldSelector,
        STR(1, "containerName"),
        STRK(2, "resource"),
        QTY(3, "divisor"));

MESSAGE(ConfigMapKeySelector,
        INLINE(1, LocalObjectReference),
        STRK(2, "key"),
        BOOLK(3, "optional"));

MESSAGE(SecretKeySelector,
        INLINE(1, LocalObjectReference),
        STRK(2, "key"),
        BOOLK(3, "optional"));

MESSAGE(EnvVarSource,
        MSG(1, "fieldRef", ObjectFieldSelector),
        MSG(2, "resourceFieldRef", ResourceFieldSelector),
        MSG(3, "configMapKeyRef", ConfigMapKeySelector),
        MSG(4, "secretKeyRef", SecretKeySelector));

MESSAGE(EnvVar,
        STRK(1, "name"),
        STR(2, "value"),
        MSG(3, "valueFrom", EnvVarSource));

MESSAGE(ConfigMapEnvSource,
        INLINE(1, LocalObjectReference),
        BOOLK(2, "optional"));

MESSAGE(SecretEnvSource,
        INLINE(1, LocalObjectReference),
        BOOLK(2, "optional"));

MESSAGE(EnvFromSource,
        STR(1, "prefix"),
        MSG(2, "configMapRef", ConfigMapEnvSource),
        MSG(3, "secretRef", SecretEnvSource));

MESSAGE(ResourceClaim,
        STRK(1, "name"),
        STR(2, "request"));

MESSAGE(ResourceRequirements,
        MAPQTY(1, "limits"),
        MAPQTY(2, "requests"),
        RMSG(3, "claims", ResourceClaim));

MESSAGE(ContainerResizePolicy,
        STRK(1, "resourceName"),
        STRK(2, "restartPolicy"));

MESSAGE(VolumeMount,
        STRK(1, "name"),
        BOOL(2, "readOnly"),
        STRK(7, "recursiveReadOnly"),
        STRK(3, "mountPath"),
        STR(4, "subPath"),
        STRK(5, "mountPropagation"),
        STR(6, "subPathExpr"));

MESSAGE(VolumeDevice,
        STRK(1, "name"),
        STRK(2, "devicePath"));

MESSAGE(ExecAction,
        RSTR(1, "command"));

MESSAGE(HTTPHeader,
        STRK(1, "name"),
        STRK(2, "value"));

MESSAGE(HTTPGetAction,
        STR(1, "path"),
        IOS(2, "port"),
        STR(3, "host"),
        STR(4, "scheme"),
        RMSG(5, "httpHeaders", HTTPHeader));

MESSAGE(TCPSocketAction,
        IOS(1, "port"),
        STR(2, "host"));

MESSAGE(GRPCAction,
        I32K(1, "port"),
        STRK(2, "service"));

MESSAGE(SleepAction,
        I64K(1, "seconds"));

MESSAGE(ProbeHandler,
        MSG(1, "exec", ExecAction),
        MSG(2, "httpGet", HTTPGetAction),
        MSG(3, "tcpSocket", TCPSocketAction),
        MSG(4, "grpc", GRPCAction));

MESSAGE(Probe,
        INLINE(1, ProbeHandler),
        I32(2, "initialDelaySeconds"),
        I32(3, "timeoutSeconds"),
        I32(4, "periodSeconds"),
        I32(5, "successThreshold"),
        I32(6, "failureThreshold"),
        I64K(7, "terminationGracePeriodSeconds"));

MESSAGE(LifecycleHandler,
        MSG(1, "exec", ExecAction),
        MSG(2, "httpGet", HTTPGetAction),
        MSG(3, "tcpSocket", TCPSocketAction),
        MSG(4, "sleep", SleepAction));

MESSAGE(Lifecycle,
        MSG(1, "postStart", LifecycleHandler),
        MSG(2, "preStop", LifecycleHandler));

MESSAGE(Capabilities,
        RSTR(1, "add"),
        RSTR(2, "drop"));

MESSAGE(SELinuxOptions,
        STR(1, "user"),
        STR(2, "role"),
        STR(3, "type"),
        STR(4, "level"));

MESSAGE(WindowsSecurityContextOptions,
        STRK(1, "gmsaCredentialSpecName"),
        STRK(2, "gmsaCredentialSpec"),
        STRK(3, "runAsUserName"),
        BOOLK(4, "hostProcess"));

MESSAGE(SeccompProfile,
        STRK(1, "type"),
        STRK(2, "localhostProfile"));

MESSAGE(AppArmorProfile,
        STRK(1, "type"),
        STRK(2, "localhostProfile"));

MESSAGE(SecurityContext,
        MSG(1, "capabilities", Capabilities),
        BOOLK(2, "privileged"),
        MSG(3, "seLinuxOptions", SELinuxOptions),
        MSG(10, "windowsOptions", WindowsSecurityContextOptions),
        I64K(4, "runAsUser"),
        I64K(8, "runAsGroup"),
        BOOLK(5, "runAsNonRoot"),
        BOOLK(6, "readOnlyRootFilesystem"),
        BOOLK(7, "allowPrivilegeEscalation"),
        STRK(9, "procMount"),
        MSG(11, "seccompProfile", SeccompProfile),
        MSG(12, "appArmorProfile", AppArmorProfile));

MESSAGE(Container,
        STRK(1, "name"),
        STR(2, "image"),
        RSTR(3, "command"),
        RSTR(4, "args"),
        STR(5, "workingDir"),
        RMSG(6, "ports", ContainerPort),
        RMSG(19, "envFrom", EnvFromSource),
        RMSG(7, "env", EnvVar),
        MSG(8, "resources", ResourceRequirements),
        RMSG(23, "resizePolicy", ContainerResizePolicy),
        STRK(24, "restartPolicy"),
        RMSG(9, "volumeMounts", VolumeMount),
        RMSG(21, "volumeDevices", VolumeDevice),
        MSG(10, "livenessProbe", Probe),
        MSG(11, "readinessProbe", Probe),
        MSG(22, "startupProbe", Probe),
        MSG(12, "lifecycle", Lifecycle),
        STR(13, "terminationMessagePath"),
        STR(20, "terminationMessagePolicy"),
        STR(14, "imagePullPolicy"),
        MSG(15, "securityContext", SecurityContext),
        BOOL(16, "stdin"),
        BOOL(17, "stdinOnce"),
        BOOL(18, "tty"));

/* Pods: volumes */
MESSAGE(KeyToPath,
        STRK(1, "key"),
        STRK(2, "path"),
        I32K(3, "mode"));

MESSAGE(HostPathVolumeSource,
        STRK(1, "path"),
        STRK(2, "type"));

MESSAGE(EmptyDirVolumeSource,
        STR(1, "medium"),
        QTY(2, "sizeLimit"));

MESSAGE(SecretVolumeSource,
        STR(1, "secretName"),
        RMSG(2, "items", KeyToPath),
        I32K(3, "defaultMode"),
        BOOLK(4, "optional"));

MESSAGE(ConfigMapVolumeSource,
        INLINE(1, LocalObjectReference),
        RMSG(2, "items", KeyToPath),
        I32K(3, "defaultMode"),
        BOOLK(4, "optional"));

MESSAGE(NFSVolumeSource,
        STRK(1, "server"),
        STRK(2, "path"),
        BOOL(3, "readOnly"));

MESSAGE(PersistentVolumeClaimVolumeSource,
        STRK(1, "claimName"),
        BOOL(2, "readOnly"));

MESSAGE(DownwardAPIVolumeFile,
        STRK(1, "path"),
        MSG(2, "fieldRef", ObjectFieldSelector),
        MSG(3, "resourceFieldRef", ResourceFieldSelector),
        I32K(4, "mode"));

MESSAGE(DownwardAPIVolumeSource,
        RMSG(1, "items", DownwardAPIVolumeFile),
        I32K(2, "defaultMode"));

MESSAGE(SecretProjection,
        INLINE(1, LocalObjectReference),
        RMSG(2, "items", KeyToPath),
        BOOLK(4, "optional"));

MESSAGE(ConfigMapProjection,
        INLINE(1, LocalObjectReference),
        RMSG(2, "items", KeyToPath),
        BOOLK(4, "optional"));

MESSAGE(DownwardAPIProjection,
        RMSG(1, "items", DownwardAPIVolumeFile));

MESSAGE(ServiceAccountTokenProjection,
        STR(1, "audience"),
        I64K(2, "expirationSeconds"),
        STRK(3, "path"));

MESSAGE(VolumeProjection,
        MSG(1, "secret", SecretProjection),
        MSG(2, "downwardAPI", DownwardAPIProjection),
        MSG(3, "configMap", ConfigMapProjection),
        MSG(4, "serviceAccountToken", ServiceAccountTokenProjection));

MESSAGE(ProjectedVolumeSource,
        RMSG(1, "sources", VolumeProjection),
        I32K(2, "defaultMode"));

MESSAGE(CSIVolumeSource,
        STRK(1, "driver"),
        BOOLK(2, "readOnly"),
        STRK(3, "fsType"),
        MAPSTR(4, "volumeAttributes"),
        MSG(5, "nodePublishSecretRef", LocalObjectReference));

MESSAGE(VolumeSource,
        MSG(1, "hostPath", HostPathVolumeSource),
        MSG(2, "emptyDir", EmptyDirVolumeSource),
        MSG(6, "secret", SecretVolumeSource),
        MSG(7, "nfs", NFSVolumeSource),
        MSG(10, "persistentVolumeClaim", PersistentVolumeClaimVolumeSource),
        MSG(16, "downwardAPI", DownwardAPIVolumeSource),
        MSG(19, "configMap", ConfigMapVolumeSource),
        MSG(26, "projected", ProjectedVolumeSource),
        MSG(28, "csi", CSIVolumeSource));

MESSAGE(Volume,
        STRK(1, "name"),
        INLINE(2, VolumeSource));

/* Pods: spec */
MESSAGE(Toleration,
        STR(1, "key"),
        STR(2, "operator"),
        STR(3, "value"),
        STR(4, "effect"),
        I64K(5, "tolerationSeconds"));

MESSAGE(HostAlias,
        STRK(1, "ip"),
        RSTR(2, "hostnames"));

MESSAGE(PodDNSConfigOption,
        STR(1, "name"),
        STRK(2, "value"));

MESSAGE(PodDNSConfig,
        RSTR(1, "nameservers"),
        RSTR(2, "searches"),
        RMSG(3, "options", PodDNSConfigOption));

MESSAGE(Sysctl,
        STRK(1, "name"),
        STRK(2, "value"));

MESSAGE(PodSecurityContext,
        MSG(1, "seLinuxOptions", SELinuxOptions),
        MSG(8, "windowsOptions", WindowsSecurityContextOptions),
        I64K(2, "runAsUser"),
        I64K(6, "runAsGroup"),
        BOOLK(3, "runAsNonRoot"),
        RI64(4, "supplementalGroups"),
        I64K(5, "fsGroup"),
        RMSG(7, "sysctls", Sysctl),
        STRK(9, "fsGroupChangePolicy"),
        MSG(10, "seccompProfile", SeccompProfile),
        MSG(11, "appArmorProfile", AppArmorProfile));

MESSAGE(PodReadinessGate,
        STRK(1, "conditionType"));

MESSAGE(TopologySpreadConstraint,
        I32K(1, "maxSkew"),
        STRK(2, "topologyKey"),
        STRK(3, "whenUnsatisfiable"),
        MSG(4, "labelSelector", LabelSelector),
        I32K(5, "minDomains"),
        STRK(6, "nodeAffinityPolicy"),
        STRK(7, "nodeTaintsPolicy"),
        RSTR(8, "matchLabelKeys"));

MESSAGE(PodOS,
        STRK(1, "name"));

MESSAGE(PodSchedulingGate,
        STRK(1, "name"));

MESSAGE(PodSpec,
        RMSG(1, "volumes", Volume),
        RMSG(20, "initContainers", Container),
        RMSG(2, "containers", Container),
        STR(3, "restartPolicy"),
        I64K(4, "terminationGracePeriodSeconds"),
        I64K(5, "activeDeadlineSeconds"),
        STR(6, "dnsPolicy"),
        MAPSTR(7, "nodeSelector"),
        STR(8, "serviceAccountName"),
        STR(9, "serviceAccount"),
        BOOLK(21, "automountServiceAccountToken"),
        STR(10, "nodeName"),
        BOOL(11, "hostNetwork"),
        BOOL(12, "hostPID"),
        BOOL(13, "hostIPC"),
        BOOLK(27, "shareProcessNamespace"),
        MSG(14, "securityContext", PodSecurityContext),
        RMSG(15, "imagePullSecrets", LocalObjectReference),
        STR(16, "hostname"),
        STR(17, "subdomain"),
        STR(19, "schedulerName"),
        RMSG(22, "tolerations", Toleration),
        RMSG(23, "hostAliases", HostAlias),
        STR(24, "priorityClassName"),
        I32K(25, "priority"),
        MSG(26, "dnsConfig", PodDNSConfig),
        RMSG(28, "readinessGates", PodReadinessGate),
        STRK(29, "runtimeClassName"),
        BOOLK(30, "enableServiceLinks"),
        STRK(31, "preemptionPolicy"),
        MAPQTY(32, "overhead"),
        RMSG(33, "topologySpreadConstraints", TopologySpreadConstraint),
        BOOLK(35, "setHostnameAsFQDN"),
        MSG(36, "os", PodOS),
        BOOLK(37, "hostUsers"),
        RMSG(38, "schedulingGates", PodSchedulingGate),
        MSG(40, "resources", ResourceRequirements));

MESSAGE(PodTemplateSpec,
        MSG(1, "metadata", ObjectMeta),
        MSG(2, "spec", PodSpec));

MESSAGE(PodCondition,
        STRK(1, "type"),
        STRK(2, "status"),
        TIME(3, "lastProbeTime"),
        TIME(4, "lastTransitionTime"),
        STR(5, "reason"),
        STR(6, "message"));

MESSAGE(PodIP,
        STRK(1, "ip"));

MESSAGE(PodStatus,
        STR(1, "phase"),
        RMSG(2, "conditions", PodCondition),
        STR(3, "message"),
        STR(4, "reason"),
        STR(11, "nominatedNodeName"),
        STR(5, "hostIP"),
        STR(6, "podIP"),
        RMSG(12, "podIPs", PodIP),
        TIME(7, "startTime"),
        STR(9, "qosClass"));

MESSAGE(Pod,
        MSG(1, "metadata", ObjectMeta),
        MSG(2, "spec", PodSpec),
        MSG(3, "status", PodStatus));

/* ResourceQuota */
MESSAGE(ScopedResourceSelectorRequirement,
        STRK(1, "scopeName"),
        STRK(2, "operator"),
        RSTR(3, "values"));

MESSAGE(ScopeSelector,
        RMSG(1, "matchExpressions", ScopedResourceSelectorRequirement));

MESSAGE(ResourceQuotaSpec,
        MAPQTY(1, "hard"),
        RSTR(2, "scopes"),
        MSG(3, "scopeSelector", ScopeSelector));

MESSAGE(ResourceQuotaStatus,
        MAPQTY(1, "hard"),
        MAPQTY(2, "used"));

MESSAGE(ResourceQuota,
        MSG(1, "metadata", ObjectMeta),
        MSG(2, "spec", ResourceQuotaSpec),
        MSG(3, "status", ResourceQuotaStatus));

/* ======== k8s.io/api/apps/v1 ======== */

MESSAGE(RollingUpdateDeployment,
        IOS(1, "maxUnavailable"),
        IOS(2, "maxSurge"));

MESSAGE(DeploymentStrategy,
        STR(1, "type"),
        MSG(2, "rollingUpdate", RollingUpdateDeployment));

MESSAGE(DeploymentSpec,
        I32K(1, "replicas"),
        MSG(2, "selector", LabelSelector),
        MSG(3, "template", PodTemplateSpec),
        MSG(4, "strategy", DeploymentStrategy),
        I32(5, "minReadySeconds"),
        I32K(6, "revisionHistoryLimit"),
        BOOL(7, "paused"),
        I32K(9, "progressDeadlineSeconds"));

MESSAGE(DeploymentCondition,
        STRK(1, "type"),
        STRK(2, "status"),
        TIME(6, "lastUpdateTime"),
        TIME(7, "lastTransitionTime"),
        STR(4, "reason"),
        STR(5, "message"));

MESSAGE(DeploymentStatus,
        I64(1, "observedGeneration"),
        I32(2, "replicas"),
        I32(3, "updatedReplicas"),
        I32(7, "readyReplicas"),
        I32(4, "availableReplicas"),
        I32(5, "unavailableReplicas"),
        RMSG(6, "conditions", DeploymentCondition),
        I32K(8, "collisionCount"));

MESSAGE(Deployment,
        MSG(1, "metadata", ObjectMeta),
        MSG(2, "spec", DeploymentSpec),
        MSG(3, "status", DeploymentStatus));

/* ======== k8s.io/api/batch/v1 ======== */

MESSAGE(JobSpec,
        I32K(1, "parallelism"),
        I32K(2, "completions"),
        I64K(3, "activeDeadlineSeconds"),
        I32K(7, "backoffLimit"),
        I32K(12, "backoffLimitPerIndex"),
        I32K(13, "maxFailedIndexes"),
        MSG(4, "selector", LabelSelector),
        BOOLK(5, "manualSelector"),
        MSG(6, "template", PodTemplateSpec),
        I32K(8, "ttlSecondsAfterFinished"),
        STRK(9, "completionMode"),
        BOOLK(10, "suspend"),
        STRK(14, "podReplacementPolicy"),
        STRK(15, "managedBy"));

MESSAGE(JobCondition,
        STRK(1, "type"),
        STRK(2, "status"),
        TIME(3, "lastProbeTime"),
        TIME(4, "lastTransitionTime"),
        STR(5, "reason"),
        STR(6, "message"));

MESSAGE(JobStatus,
        RMSG(1, "conditions", JobCondition),
        TIME(2, "startTime"),
        TIME(3, "completionTime"),
        I32(4, "active"),
        I32(5, "succeeded"),
        I32(6, "failed"),
        I32K(9, "terminating"),
        STR(7, "completedIndexes"),
        STRK(10, "failedIndexes"),
        I32K(11, "ready"));

MESSAGE(Job,
        MSG(1, "metadata", ObjectMeta),
        MSG(2, "spec", JobSpec),
        MSG(3, "status", JobStatus));

MESSAGE(JobTemplateSpec,
        MSG(1, "metadata", ObjectMeta),
        MSG(2, "spec", JobSpec));

MESSAGE(CronJobSpec,
        STRK(1, "schedule"),
        STRK(8, "timeZone"),
        I64K(2, "startingDeadlineSeconds"),
        STR(3, "concurrencyPolicy"),
        BOOLK(4, "suspend"),
        MSG(5, "jobTemplate", JobTemplateSpec),
        I32K(6, "successfulJobsHistoryLimit"),
        I32K(7, "failedJobsHistoryLimit"));

MESSAGE(CronJobStatus,
        RMSG(1, "active", ObjectReference),
        TIME(4, "lastScheduleTime"),
        TIME(5, "lastSuccessfulTime"));

MESSAGE(CronJob,
        MSG(1, "metadata", ObjectMeta),
        MSG(2, "spec", CronJobSpec),
        MSG(3, "status", CronJobStatus));

/* ======== k8s.io/api/rbac/v1 ======== */

MESSAGE(PolicyRule,
        RSTR(1, "verbs"),
        RSTR(2, "apiGroups"),
        RSTR(3, "resources"),
        RSTR(4, "resourceNames"),
        RSTR(5, "nonResourceURLs"));

MESSAGE(AggregationRule,
        RMSG(1, "clusterRoleSelectors", LabelSelector));

MESSAGE(Role,
        MSG(1, "metadata", ObjectMeta),
        RMSG(2, "rules", PolicyRule));

MESSAGE(ClusterRole,
        MSG(1, "metadata", ObjectMeta),
        RMSG(2, "rules", PolicyRule),
        MSG(3, "aggregationRule", AggregationRule));

MESSAGE(Subject,
        STRK(1, "kind"),
        STR(2, "apiGroup"),
        STRK(3, "name"),
        STR(4, "namespace"));

MESSAGE(RoleRef,
        STRK(1, "apiGroup"),
        STRK(2, "kind"),
        STRK(3, "name"));

MESSAGE(RoleBinding,
        MSG(1, "metadata", ObjectMeta),
        RMSG(2, "subjects", Subject),
        MSG(3, "roleRef", RoleRef));

MESSAGE(ClusterRoleBinding,
        MSG(1, "metadata", ObjectMeta),
        RMSG(2, "subjects", Subject),
        MSG(3, "roleRef", RoleRef));

/* ======== k8s.io/api/scheduling/v1 ======== */

MESSAGE(PriorityClass,
        MSG(1, "metadata", ObjectMeta),
        I32K(2, "value"),
        BOOL(3, "globalDefault"),
        STR(4, "description"),
        STRK(5, "preemptionPolicy"));

/* ======== k8s.io/api/policy/v1 ======== */

MESSAGE(PodDisruptionBudgetSpec,
        IOS(1, "minAvailable"),
        MSG(2, "selector", LabelSelector),
        IOS(3, "maxUnavailable"),
        STRK(4, "unhealthyPodEvictionPolicy"));

MESSAGE(PodDisruptionBudgetStatus,
        I64(1, "observedGeneration"),
        MAPTIME(2, "disruptedPods"),
        I32K(3, "disruptionsAllowed"),
        I32K(4, "currentHealthy"),
        I32K(5, "desiredHealthy"),
        I32K(6, "expectedPods"),
        RMSG(7, "conditions", Condition));

MESSAGE(PodDisruptionBudget,
        MSG(1, "metadata", ObjectMeta),
        MSG(2, "spec", PodDisruptionBudgetSpec),
        MSG(3, "status", PodDisruptionBudgetStatus));

/* ======== k8s.io/api/networking/v1 ======== */

MESSAGE(TypedLocalObjectReference, /* core/v1 */
        STRK(1, "apiGroup"),
        STRK(2, "kind"),
        STRK(3, "name"));

MESSAGE(ServiceBackendPort,
        STR(1, "name"),
        I32(2, "number"));

MESSAGE(IngressServiceBackend,
        STRK(1, "name"),
        MSG(2, "port", ServiceBackendPort));

MESSAGE(IngressBackend,
        MSG(4, "service", IngressServiceBackend),
        MSG(3, "resource", TypedLocalObjectReference));

MESSAGE(HTTPIngressPath,
        STR(1, "path"),
        STRK(3, "pathType"),
        MSG(2, "backend", IngressBackend));

MESSAGE(HTTPIngressRuleValue,
        RMSG(1, "paths", HTTPIngressPath));

MESSAGE(IngressRuleValue,
        MSG(1, "http", HTTPIngressRuleValue));

MESSAGE(IngressRule,
        STR(1, "host"),
        INLINE(2, IngressRuleValue));

MESSAGE(IngressTLS,
        RSTR(1, "hosts"),
        STR(2, "secretName"));

MESSAGE(IngressSpec,
        STRK(4, "ingressClassName"),
        MSG(1, "defaultBackend", IngressBackend),
        RMSG(2, "tls", IngressTLS),
        RMSG(3, "rules", IngressRule));

MESSAGE(IngressPortStatus,
        I32K(1, "port"),
        STRK(2, "protocol"),
        STRK(3, "error"));

MESSAGE(IngressLoadBalancerIngress,
        STR(1, "ip"),
        STR(2, "hostname"),
        RMSG(4, "ports", IngressPortStatus));

MESSAGE(IngressLoadBalancerStatus,
        RMSG(1, "ingress", IngressLoadBalancerIngress));

MESSAGE(IngressStatus,
        MSG(1, "loadBalancer", IngressLoadBalancerStatus));

MESSAGE(Ingress,
        MSG(1, "metadata", ObjectMeta),
        MSG(2, "spec", IngressSpec),
        MSG(3, "status", IngressStatus));

/* ======== lookup ======== */

const PbMessage *const pb_schema_messages[] = {
#define M(id) &pb_##id
        M(OwnerReference), M(ManagedFieldsEntry), M(ObjectMeta), M(LabelSelectorRequirement), M(LabelSelector),
        M(Condition), M(LocalObjectReference), M(ObjectReference), M(NamespaceSpec), M(NamespaceCondition),
        M(NamespaceStatus), M(Namespace), M(ConfigMap), M(Secret), M(ServiceAccount), M(ServicePort),
        M(ClientIPConfig), M(SessionAffinityConfig), M(ServiceSpec), M(PortStatus), M(LoadBalancerIngress),
        M(LoadBalancerStatus), M(ServiceStatus), M(Service), M(ContainerPort), M(ObjectFieldSelector),
        M(ResourceFieldSelector), M(ConfigMapKeySelector), M(SecretKeySelector), M(EnvVarSource), M(EnvVar),
        M(ConfigMapEnvSource), M(SecretEnvSource), M(EnvFromSource), M(ResourceClaim), M(ResourceRequirements),
        M(ContainerResizePolicy), M(VolumeMount), M(VolumeDevice), M(ExecAction), M(HTTPHeader),
        M(HTTPGetAction), M(TCPSocketAction), M(GRPCAction), M(SleepAction), M(ProbeHandler), M(Probe),
        M(LifecycleHandler), M(Lifecycle), M(Capabilities), M(SELinuxOptions), M(WindowsSecurityContextOptions),
        M(SeccompProfile), M(AppArmorProfile), M(SecurityContext), M(Container), M(KeyToPath),
        M(HostPathVolumeSource), M(EmptyDirVolumeSource), M(SecretVolumeSource), M(ConfigMapVolumeSource),
        M(NFSVolumeSource), M(PersistentVolumeClaimVolumeSource), M(DownwardAPIVolumeFile),
        M(DownwardAPIVolumeSource), M(SecretProjection), M(ConfigMapProjection), M(DownwardAPIProjection),
        M(ServiceAccountTokenProjection), M(VolumeProjection), M(ProjectedVolumeSource), M(CSIVolumeSource),
        M(VolumeSource), M(Volume), M(Toleration), M(HostAlias), M(PodDNSConfigOption), M(PodDNSConfig),
        M(Sysctl), M(PodSecurityContext), M(PodReadinessGate), M(TopologySpreadConstraint), M(PodOS),
        M(PodSchedulingGate), M(PodSpec), M(PodTemplateSpec), M(PodCondition), M(PodIP), M(PodStatus), M(Pod),
        M(ScopedResourceSelectorRequirement), M(ScopeSelector), M(ResourceQuotaSpec), M(ResourceQuotaStatus),
        M(ResourceQuota), M(RollingUpdateDeployment), M(DeploymentStrategy), M(DeploymentSpec),
        M(DeploymentCondition), M(DeploymentStatus), M(Deployment), M(JobSpec), M(JobCondition), M(JobStatus),
        M(Job), M(JobTemplateSpec), M(CronJobSpec), M(CronJobStatus), M(CronJob), M(PolicyRule),
        M(AggregationRule), M(Role), M(ClusterRole), M(Subject), M(RoleRef), M(RoleBinding),
        M(ClusterRoleBinding), M(PriorityClass), M(PodDisruptionBudgetSpec), M(PodDisruptionBudgetStatus),
        M(PodDisruptionBudget), M(TypedLocalObjectReference), M(ServiceBackendPort), M(IngressServiceBackend),
        M(IngressBackend), M(HTTPIngressPath), M(HTTPIngressRuleValue), M(IngressRuleValue), M(IngressRule),
        M(IngressTLS), M(IngressSpec), M(IngressPortStatus), M(IngressLoadBalancerIngress),
        M(IngressLoadBalancerStatus), M(IngressStatus), M(Ingress),
#undef M
        NULL,
};

/* Top-level kinds accepted in the runtime.Unknown envelope. */
static const struct {
        const char *api_version;
        const char *kind;
        const PbMessage *message;
} pb_types[] = {
        { "v1", "Namespace", &pb_Namespace },
        { "v1", "ConfigMap", &pb_ConfigMap },
        { "v1", "Secret", &pb_Secret },
        { "v1", "ServiceAccount", &pb_ServiceAccount },
        { "v1", "Service", &pb_Service },
        { "v1", "Pod", &pb_Pod },
        { "v1", "ResourceQuota", &pb_ResourceQuota },
        { "apps/v1", "Deployment", &pb_Deployment },
        { "batch/v1", "Job", &pb_Job },
        { "batch/v1", "CronJob", &pb_CronJob },
        { "rbac.authorization.k8s.io/v1", "Role", &pb_Role },
        { "rbac.authorization.k8s.io/v1", "ClusterRole", &pb_ClusterRole },
        { "rbac.authorization.k8s.io/v1", "RoleBinding", &pb_RoleBinding },
        { "rbac.authorization.k8s.io/v1", "ClusterRoleBinding", &pb_ClusterRoleBinding },
        { "scheduling.k8s.io/v1", "PriorityClass", &pb_PriorityClass },
        { "policy/v1", "PodDisruptionBudget", &pb_PodDisruptionBudget },
        { "networking.k8s.io/v1", "Ingress", &pb_Ingress },
};

const PbMessage *pb_schema_find_message(const char *name) {
        if (!name)
                return NULL;
        for (size_t i = 0; pb_schema_messages[i]; i++)
                if (streq(pb_schema_messages[i]->name, name))
                        return pb_schema_messages[i];
        return NULL;
}

const PbMessage *pb_schema_find_type(const char *api_version, const char *kind) {
        if (!api_version || !kind)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(pb_types); i++)
                if (streq(pb_types[i].api_version, api_version) && streq(pb_types[i].kind, kind))
                        return pb_types[i].message;
        return NULL;
}

const PbField *pb_message_find_field(const PbMessage *m, uint32_t number) {
        for (size_t i = 0; i < m->n_fields; i++)
                if (m->fields[i].number == number)
                        return &m->fields[i];
        return NULL;
}
