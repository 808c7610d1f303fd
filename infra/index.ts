// Each infra file exports its resources; this one gathers the stack's outputs. Filled by the AWS issue.
export const outputs = {};
