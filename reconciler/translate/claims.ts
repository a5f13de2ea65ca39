// PersistentVolumeClaim and generic ephemeral volumes → DiskVolume / NFSVolume /
// FlexVolume, from the PersistentVolume the claim is bound to, with the kubelet's
// checks that the claim and the volume really belong to this pod.
import type { V1PersistentVolumeClaim, V1PersistentVolumeSpec } from '@kubernetes/client-node';
import type { Context } from './context.ts';
import type { EciRequestFields } from './request.ts';

type Volume = NonNullable<EciRequestFields['volume']>[number];

const DISK_CSI_DRIVER = 'diskplugin.csi.alibabacloud.com';
const NAS_CSI_DRIVER = 'nasplugin.csi.alibabacloud.com';

export function claimVolume(
  ctx: Context,
  field: string,
  name: string,
  claimName: string,
  readOnly: boolean,
  ephemeral: boolean,
): Volume | undefined {
  const { input, issues } = ctx;
  const pvc = input.persistentVolumeClaims?.[claimName];
  if (!pvc) {
    const ref = { kind: 'PersistentVolumeClaim', name: claimName } as const;
    issues.missing(field, `PersistentVolumeClaim ${claimName} not found`, ref);
    return undefined;
  }
  const refusal = claimRefusal(ctx, pvc, claimName, ephemeral);
  if (refusal) {
    issues.error(field, refusal);
    return undefined;
  }
  const pvName = pvc.spec?.volumeName;
  if (!pvName || (pvc.status?.phase !== undefined && pvc.status.phase !== 'Bound')) {
    issues.missing(field, `PersistentVolumeClaim ${claimName} is not bound to a PersistentVolume yet`);
    return undefined;
  }
  const pv = input.persistentVolumes?.[pvName];
  if (!pv?.spec) {
    const ref = { kind: 'PersistentVolume', name: pvName } as const;
    issues.missing(field, `PersistentVolume ${pvName} (bound to ${claimName}) not found`, ref);
    return undefined;
  }
  // As the kubelet: the volume must say it is bound to this very claim (a claim may
  // name any PersistentVolume in spec.volumeName, including another tenant's).
  const ref = pv.spec.claimRef;
  if (!ref) {
    issues.missing(field, `PersistentVolume ${pvName} is not bound to a claim yet (no spec.claimRef)`);
    return undefined;
  }
  const pvcUid = pvc.metadata?.uid;
  if (
    ref.namespace !== ctx.namespace ||
    ref.name !== claimName ||
    (ref.uid && pvcUid && ref.uid !== pvcUid)
  ) {
    issues.error(
      field,
      `PersistentVolume ${pvName} is bound to claim ${ref.namespace ?? ''}/${ref.name ?? ''}, not to ${ctx.namespace}/${claimName}`,
    );
    return undefined;
  }
  return persistentVolume(ctx, field, name, pvName, pv.spec, readOnly);
}

/**
 * Why the pod may not use this claim, or undefined. A generic ephemeral volume's claim
 * must be controlled by the pod itself, as the kubelet checks (ephemeral.VolumeIsForPod):
 * otherwise anyone who may create claims in the namespace could pre-create
 * `<pod>-<volume>` and hand the pod a volume of their choosing.
 */
function claimRefusal(ctx: Context, pvc: V1PersistentVolumeClaim, claimName: string, ephemeral: boolean) {
  const namespace = pvc.metadata?.namespace;
  if (namespace !== undefined && namespace !== ctx.namespace)
    return `PersistentVolumeClaim ${claimName} is in namespace ${namespace}, not ${ctx.namespace}`;
  if (!ephemeral) return undefined;
  const uid = ctx.pod.metadata?.uid;
  const owned = (pvc.metadata?.ownerReferences ?? []).some(
    (o) => o.controller === true && o.kind === 'Pod' && uid !== undefined && o.uid === uid,
  );
  return owned
    ? undefined
    : `PersistentVolumeClaim ${ctx.namespace}/${claimName} was not created for pod ${ctx.namespace}/${ctx.podName} (pod is not owner)`;
}

function persistentVolume(
  ctx: Context,
  field: string,
  name: string,
  pvName: string,
  spec: V1PersistentVolumeSpec,
  readOnly: boolean,
): Volume | undefined {
  const ro = readOnly ? { readOnly: true } : {};
  if (spec.csi?.driver === DISK_CSI_DRIVER) {
    return {
      name,
      type: 'DiskVolume',
      diskVolume: { diskId: spec.csi.volumeHandle, fsType: spec.csi.fsType ?? 'ext4' },
    };
  }
  if (spec.csi?.driver === NAS_CSI_DRIVER) {
    const attrs = spec.csi.volumeAttributes ?? {};
    const server = attrs.server;
    if (!server) {
      ctx.issues.error(field, `PersistentVolume ${pvName}: NAS volume has no volumeAttributes.server`);
      return undefined;
    }
    return {
      name,
      type: 'NFSVolume',
      NFSVolume: {
        server,
        path: attrs.path ?? '/',
        ...(readOnly || spec.csi.readOnly ? { readOnly: true } : {}),
      },
    };
  }
  if (spec.nfs) {
    return {
      name,
      type: 'NFSVolume',
      NFSVolume: {
        server: spec.nfs.server,
        path: spec.nfs.path,
        ...(readOnly || spec.nfs.readOnly ? { readOnly: true } : ro),
      },
    };
  }
  if (spec.flexVolume) {
    const opts = spec.flexVolume.options ?? {};
    if (spec.flexVolume.driver === 'alicloud/disk' && opts.volumeId)
      return {
        name,
        type: 'DiskVolume',
        diskVolume: { diskId: opts.volumeId, fsType: spec.flexVolume.fsType ?? 'ext4' },
      };
    if (spec.flexVolume.driver === 'alicloud/nas' && opts.server)
      return {
        name,
        type: 'NFSVolume',
        NFSVolume: { server: opts.server, path: opts.path ?? '/', ...ro },
      };
    return {
      name,
      type: 'FlexVolume',
      flexVolume: {
        driver: spec.flexVolume.driver,
        ...(spec.flexVolume.fsType ? { fsType: spec.flexVolume.fsType } : {}),
        options: JSON.stringify(opts),
      },
    };
  }
  const kind = spec.csi
    ? `CSI driver ${spec.csi.driver}`
    : (Object.keys(spec).find((k) => !COMMON_PV_FIELDS.has(k)) ?? 'unknown');
  ctx.issues.error(
    field,
    `PersistentVolume ${pvName}: ${kind} cannot be mounted on ECI (only Alibaba Cloud disk and NAS)`,
  );
  return undefined;
}

const COMMON_PV_FIELDS = new Set([
  'accessModes',
  'capacity',
  'claimRef',
  'mountOptions',
  'nodeAffinity',
  'persistentVolumeReclaimPolicy',
  'storageClassName',
  'volumeMode',
  'volumeAttributesClassName',
]);
