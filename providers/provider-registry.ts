import { CONTAINER_HEALTH_GATE_TYPE } from "./container-health-gate";
import { CONTAINER_NETWORKS_TYPE } from "./container-networks";
import type { DynamicProviderType } from "./dynamic-resource";
import { FAIL2BAN_JAILS_TYPE } from "./fail2ban-jails";
import { HOST_DIRECTORY_TYPE } from "./host-directory";
import { HOST_FILE_TYPE } from "./host-file";
import { HOST_IMAGE_TYPE } from "./host-image";
import { REVERT_GUARD_ARM_TYPE, REVERT_GUARD_CONFIRM_TYPE } from "./revert-guard";
import { SERVICE_CONTAINERS_TYPE } from "./service-containers";
import { STRAY_CONTAINERS_TYPE } from "./stray-containers";
import { SYSTEMD_UNIT_TYPE } from "./systemd-unit";
import { UFW_RULES_TYPE } from "./ufw-rules";
import { UNDECLARED_DNS_RECORDS_TYPE } from "./undeclared-dns-records";

/**
 * Every dynamic resource type of hemma-infra. The stack's code provider holds the code of each
 * (providers/dynamic-resource.ts), so a type must stay listed while any stack still holds
 * resources of it: its delete runs this code.
 */
export const DYNAMIC_PROVIDER_TYPES: readonly DynamicProviderType[] = [
  CONTAINER_HEALTH_GATE_TYPE,
  CONTAINER_NETWORKS_TYPE,
  FAIL2BAN_JAILS_TYPE,
  HOST_DIRECTORY_TYPE,
  HOST_FILE_TYPE,
  HOST_IMAGE_TYPE,
  REVERT_GUARD_ARM_TYPE,
  REVERT_GUARD_CONFIRM_TYPE,
  SERVICE_CONTAINERS_TYPE,
  STRAY_CONTAINERS_TYPE,
  SYSTEMD_UNIT_TYPE,
  UFW_RULES_TYPE,
  UNDECLARED_DNS_RECORDS_TYPE,
];
