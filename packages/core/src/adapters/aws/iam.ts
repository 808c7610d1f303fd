/**
 * The IAM action an SDK command needs, for checking the actions adapters declare (`IamAction`, with the ports)
 * against the calls they send.
 */
export type { IamAction, ResourceKind } from "../../ports/iam.ts";

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
  CognitoIdentityProviderClient: "cognito-idp",
  DynamoDBClient: "dynamodb",
  IoTDataPlaneClient: "iot",
  KinesisClient: "kinesis",
  PollyClient: "polly",
  S3Client: "s3",
  SQSClient: "sqs",
  TranscribeClient: "transcribe",
  TranscribeStreamingClient: "transcribe",
  TranslateClient: "translate",
};
