/**
 * `@neo4j/graphql` type definitions over the same graph the API serves (labels and relationship
 * types as import/ writes them), for the benchmark's peer column. Only what the compared questions
 * need: the core properties, and the relationships of lookup, one-hop lists, the headline, a
 * group's techniques and the matrix. Relationship properties carry `revoked` and `deprecated`, so
 * the peer can hide what the API hides. Every type also needs `:Current`: the peer reads the newest
 * release's snapshot, as the API does when no `release` is asked for.
 */
const props = `
  stixId: String!
  attackId: String
  name: String
  platforms: [String!]
  domains: [String!]
  revoked: Boolean
  deprecated: Boolean`;

export const PEER_TYPE_DEFS = /* GraphQL */ `
type Usage @relationshipProperties {
  revoked: Boolean
  deprecated: Boolean
}

type TacticOrder @relationshipProperties {
  order: Int
}

type Tactic @node(labels: ["Tactic", "Current"]) {
  ${props}
  shortname: String
  techniques: [Technique!]! @relationship(type: "IN_TACTIC", direction: IN)
}

type Technique @node(labels: ["Technique", "Current"]) {
  ${props}
  isSubtechnique: Boolean
  tactics: [Tactic!]! @relationship(type: "IN_TACTIC", direction: OUT)
  parent: [Technique!]! @relationship(type: "SUBTECHNIQUE_OF", direction: OUT)
  subtechniques: [Technique!]! @relationship(type: "SUBTECHNIQUE_OF", direction: IN)
  groups: [Group!]! @relationship(type: "USES", direction: IN, properties: "Usage")
  software: [Software!]! @relationship(type: "USES", direction: IN, properties: "Usage")
  campaigns: [Campaign!]! @relationship(type: "USES", direction: IN, properties: "Usage")
  mitigations: [Mitigation!]! @relationship(type: "MITIGATES", direction: IN, properties: "Usage")
  detectionStrategies: [DetectionStrategy!]! @relationship(type: "DETECTS", direction: IN)
}

type Group @node(labels: ["Group", "Current"]) {
  ${props}
  techniques: [Technique!]! @relationship(type: "USES", direction: OUT, properties: "Usage")
  software: [Software!]! @relationship(type: "USES", direction: OUT, properties: "Usage")
  campaigns: [Campaign!]! @relationship(type: "ATTRIBUTED_TO", direction: IN, properties: "Usage")
}

type Campaign @node(labels: ["Campaign", "Current"]) {
  ${props}
  techniques: [Technique!]! @relationship(type: "USES", direction: OUT, properties: "Usage")
}

type Software @node(labels: ["Software", "Current"]) {
  ${props}
  techniques: [Technique!]! @relationship(type: "USES", direction: OUT, properties: "Usage")
}

type Mitigation @node(labels: ["Mitigation", "Current"]) {
  ${props}
}

type DetectionStrategy @node(labels: ["DetectionStrategy", "Current"]) {
  ${props}
}

type Matrix @node(labels: ["Matrix", "Current"]) {
  ${props}
  tactics: [Tactic!]! @relationship(type: "HAS_TACTIC", direction: OUT, properties: "TacticOrder")
}
`;
