/**
 * The IAM actions an adapter's SDK calls need, declared next to the calls. Infra's grants are checked against
 * them (a function's role must allow every action of the adapters it builds), and the adapters' tests fail
 * when a call is sent that was not declared.
 */

/** What an action is granted on; infra maps each kind to the ARN of the resource it links. */
export type ResourceKind = "table" | "tableIndex" | "bucketObject" | "stream" | "wsConnections" | "broadcastTopic" | "*";

export interface IamAction {
  action: string;
  resource: ResourceKind;
}

/** The IAM action a sent SDK command needs: `<service prefix>:<operation>`, with API Gateway's one exception. */
export function iamActionOf(clientName: string, commandName: string): string {
  const operation = commandName.replace(/Command$/, "");
  const prefix = SERVICE_PREFIXES[clientName];
  if (!prefix) throw new Error(`no IAM service prefix known for ${clientName}; add it to SERVICE_PREFIXES`);
  // The @connections API is authorized by one action for all its operations.
  if (prefix === "execute-api") return "execute-api:ManageConnections";
  if (prefix === "dynamodb") return `dynamodb:${DOCUMENT_CLIENT_OPERATIONS[operation] ?? operation}`;
  return `${prefix}:${operation}`;
}

/** ElectroDB sends the document client's commands (lib-dynamodb), named apart from the operations they run. */
const DOCUMENT_CLIENT_OPERATIONS: Record<string, string> = {
  Get: "GetItem",
  Put: "PutItem",
  Update: "UpdateItem",
  Delete: "DeleteItem",
  BatchGet: "BatchGetItem",
  BatchWrite: "BatchWriteItem",
  TransactGet: "TransactGetItems",
  TransactWrite: "TransactWriteItems",
};

const SERVICE_PREFIXES: Record<string, string> = {
  ApiGatewayManagementApiClient: "execute-api",
  DynamoDBClient: "dynamodb",
  IoTDataPlaneClient: "iot",
  KinesisClient: "kinesis",
  PollyClient: "polly",
  S3Client: "s3",
  TranscribeStreamingClient: "transcribe",
  TranslateClient: "translate",
};
