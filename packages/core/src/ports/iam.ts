/**
 * The IAM actions an adapter's SDK calls need, declared next to the calls. Infra's grants are checked against
 * them (a function's role must allow every action of the adapters it builds), and the adapters' tests fail
 * when a call is sent that was not declared. A plain description, so the table's entities declare theirs too.
 */

/** What an action is granted on; infra maps each kind to the ARN of the resource it links. */
export type ResourceKind = "table" | "tableIndex" | "bucketObject" | "stream" | "streamConsumer" | "queue" | "wsConnections" | "broadcastTopic" | "userPool" | "*";

export interface IamAction {
  action: string;
  resource: ResourceKind;
}
