"""Linear's complexity rules, on a small schema and on Linear's real one."""

from __future__ import annotations

import pytest
from graphql import GraphQLSchema, build_schema, parse

from syncd.connectors import linear_queries as q
from syncd.sandbox.linear.complexity import MAX_QUERY_COMPLEXITY, query_complexity
from syncd.schemas import linear_schema
from syncd.settings import LinearWorkspace

SDL = """
type Query {
  viewer: User!
  a: Int
  b: Int
  c: Int
  d: Int
  e: Int
  f: Int
  g: Int
  h: Int
  i: Int
  j: Int
  issues(first: Int, last: Int, after: String): IssueConnection!
  tags: [String!]!
}
type Mutation { touch(id: String!): Payload! }
type Payload { success: Boolean! issue: Issue }
type User { id: ID! name: String! }
type Issue {
  id: ID!
  title: String!
  team: Team!
  labels(first: Int, last: Int): LabelConnection!
  related: [Issue!]!
}
type Team { id: ID! key: String! }
type Label { id: ID! name: String! }
type PageInfo { hasNextPage: Boolean! endCursor: String }
type IssueEdge { cursor: String! node: Issue! }
type IssueConnection { nodes: [Issue!]! edges: [IssueEdge!]! pageInfo: PageInfo! }
type LabelConnection { nodes: [Label!]! pageInfo: PageInfo! }
"""


@pytest.fixture(scope="module")
def small() -> GraphQLSchema:
    return build_schema(SDL)


def score(schema: GraphQLSchema, query: str, **variables: object) -> int:
    return query_complexity(schema, parse(query), variables=variables)


def test_a_property_costs_a_tenth_and_an_object_one_rounded_up(small: GraphQLSchema) -> None:
    assert score(small, "{ a }") == 1
    assert score(small, "{ viewer { id } }") == 2  # 1 + 0.1 -> 1.1 -> 2
    assert score(small, "{ viewer { id name } }") == 2


def test_tenths_add_up_exactly(small: GraphQLSchema) -> None:
    assert score(small, "{ a b c d e f g h i j }") == 1  # ten properties are exactly 1.0
    assert score(small, "{ a b c d e f g h i j viewer { id } }") == 3  # 1.0 + 1.1 -> 3


def test_a_connection_multiplies_its_nodes_by_first(small: GraphQLSchema) -> None:
    assert score(small, "{ issues(first: 10) { nodes { id } } }") == 12  # 1 + 10 * 1.1
    assert score(small, "{ issues(last: 4) { nodes { id title } } }") == 6  # 1 + 4 * 1.2 = 5.8


def test_a_connection_without_first_or_last_counts_fifty(small: GraphQLSchema) -> None:
    assert score(small, "{ issues { nodes { id } } }") == 56  # 1 + 50 * 1.1


def test_page_info_is_not_multiplied(small: GraphQLSchema) -> None:
    plain = score(small, "{ issues(first: 10) { nodes { id } } }")
    paged = score(small, "{ issues(first: 10) { nodes { id } pageInfo { hasNextPage endCursor } } }")
    assert (plain, paged) == (12, 14)  # 12.0, then 1.2 more for pageInfo once: 13.2 -> 14


def test_nested_connections_multiply(small: GraphQLSchema) -> None:
    query = "{ issues(first: 250) { nodes { id labels { nodes { name } } } } }"
    assert score(small, query) == 14_276  # 1 + 250 * (1 + 0.1 + (1 + 50 * 1.1))


def test_edges_count_the_edge_and_the_node(small: GraphQLSchema) -> None:
    assert score(small, "{ issues(first: 2) { edges { cursor node { id } } } }") == 6  # 1 + 2 * 2.2


def test_page_size_from_variables_and_their_defaults(small: GraphQLSchema) -> None:
    query = "query($n: Int) { issues(first: $n) { nodes { id } } }"
    assert score(small, query, n=20) == 23
    assert score(small, query) == 56
    assert score(small, query, n="twenty") == 56  # a wrong type fails later, in execution
    defaulted = "query($n: Int = 5) { issues(first: $n) { nodes { id } } }"
    assert score(small, defaulted) == 7


def test_fragments_are_expanded_where_used(small: GraphQLSchema) -> None:
    query = """
    { issues(first: 10) { nodes { ...Fields } } }
    fragment Fields on Issue { id team { ...TeamFields } }
    fragment TeamFields on Team { key }
    """
    inline = "{ issues(first: 10) { nodes { ... on Issue { id team { key } } } } }"
    assert score(small, query) == score(small, inline) == 23  # 1 + 10 * 2.2


def test_skip_and_include_are_honoured(small: GraphQLSchema) -> None:
    query = "query($x: Boolean!) { viewer { id } issues(first: 10) @include(if: $x) { nodes { id } } }"
    assert score(small, query, x=False) == 2
    assert score(small, query, x=True) == 14
    assert score(small, "{ viewer { id } a @skip(if: true) }") == 2


def test_a_plain_list_of_objects_is_one_object(small: GraphQLSchema) -> None:
    assert score(small, "{ issues(first: 1) { nodes { related { id } } } }") == 4  # 1 + (1 + 1.1)
    assert score(small, "{ tags }") == 1


def test_the_named_operation_is_scored(small: GraphQLSchema) -> None:
    document = parse("query Small { a } query Big { issues { nodes { id } } }")
    assert query_complexity(small, document, operation_name="Small") == 1
    assert query_complexity(small, document, operation_name="Big") == 56
    assert query_complexity(small, document, operation_name="Missing") == 0


def test_mutations_are_scored_like_queries(small: GraphQLSchema) -> None:
    assert score(small, 'mutation { touch(id: "x") { success issue { id } } }') == 3  # 1 + 0.1 + 1.1


def test_typename_is_a_property(small: GraphQLSchema) -> None:
    assert score(small, "{ viewer { __typename } }") == 2


@pytest.fixture(scope="module")
def linear() -> GraphQLSchema:
    return linear_schema()


def test_a_full_page_with_nested_default_labels_exceeds_the_cap(linear: GraphQLSchema) -> None:
    query = "{ issues(first: 250) { nodes { id title labels { nodes { id name } } } } }"
    assert score(linear, query) > MAX_QUERY_COMPLEXITY


def test_syncds_own_issue_query_fits_a_full_page(linear: GraphQLSchema) -> None:
    """The real document syncd sends, at the default page size, which is also the largest allowed."""
    page = LinearWorkspace.model_fields["page_size"].default
    assert page == 250
    cost = query_complexity(linear, q.ISSUES.document, variables={"first": page})
    assert cost == 5_228, "the figure linear_queries documents"
    assert cost < MAX_QUERY_COMPLEXITY
    assert query_complexity(linear, q.ISSUE_LABELS.document, variables={"id": "ENG-1"}) == 604


def test_every_document_syncd_sends_fits_under_the_cap(linear: GraphQLSchema) -> None:
    documents = {name: getattr(q, name) for name in q.__all__}
    variables = {"first": 250, "id": "ENG-1", "ids": ["x"] * 50, "input": {}}
    for name, request in documents.items():
        assert query_complexity(linear, request.document, variables=variables) < MAX_QUERY_COMPLEXITY, name


def test_introspection_fields_are_scored(linear: GraphQLSchema) -> None:
    assert score(linear, '{ __type(name: "Issue") { name } }') == 2
