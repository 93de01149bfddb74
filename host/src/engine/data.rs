//! Host-owned *data resources*: WIT resources that are plain data (a
//! `wasi:messaging` `message`, a `request-options`), defined by the host in every
//! guest's own store so that their constructors, getters and setters are in-store
//! calls with no hop to another instance.
//!
//! A resource handle only means something inside the store that made it, so when a
//! call carries one to another workload member, the host moves the *data* instead:
//! on the caller's side each handle is taken out of the caller's table and turned
//! into its plain value ([`DataKinds::take_out`]); on the callee's side the plain
//! value becomes a fresh handle in the callee's table ([`DataKinds::bring_in`]).
//! An `own` handle moves (the caller's entry is deleted); a `borrow` is copied and
//! the callee's temporary entry is released when the call returns
//! ([`DataKinds::release`]). Both walks follow the function's types, so a handle
//! nested in a record, list, option or result moves too.
//!
//! A kind of data resource is a Rust type implementing [`DataResource`], registered
//! with [`DataKind::of`] in the host-interface catalogue (see `catalogue.rs`), which
//! also installs its methods in the linker (usually `bindgen!`-generated).
use crate::engine::ctx::Ctx;
use wasmtime::component::types::Type;
use wasmtime::component::{Resource, ResourceAny, ResourceType, Val};
use wasmtime::{AsContextMut, StoreContextMut};

/// A resource type whose whole state is plain data.
pub trait DataResource: Send + Sync + Sized + 'static {
    /// The plain value this resource travels as (usually a `Val::Record`).
    fn into_plain(self) -> Val;
    /// The same, for a borrowed resource (the caller keeps its own).
    fn to_plain(&self) -> Val;
    /// Rebuilds the resource from its plain value.
    fn from_plain(plain: Val) -> Result<Self, String>;
}

/// One registered kind of data resource, type-erased.
#[derive(Clone)]
pub struct DataKind {
    /// The interface that defines it, e.g. `wasi:messaging/types@0.2.0-draft`.
    pub interface: String,
    /// The resource's WIT name, e.g. `message`.
    pub resource: String,
    ty: ResourceType,
    take: fn(StoreContextMut<'_, Ctx>, ResourceAny) -> wasmtime::Result<Val>,
    put: fn(StoreContextMut<'_, Ctx>, Val) -> wasmtime::Result<ResourceAny>,
    release: fn(StoreContextMut<'_, Ctx>, ResourceAny) -> wasmtime::Result<()>,
}

impl std::fmt::Debug for DataKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DataKind({}.{})", self.interface, self.resource)
    }
}

impl DataKind {
    /// The kind for Rust type `T`, the resource `resource` of `interface`. The
    /// linker must define that resource as `ResourceType::host::<T>()` (what
    /// `bindgen!` does with `with: { "...": T }`) and keep values in the store's
    /// `ResourceTable`.
    pub fn of<T: DataResource>(interface: &str, resource: &str) -> DataKind {
        DataKind {
            interface: interface.to_string(),
            resource: resource.to_string(),
            ty: ResourceType::host::<T>(),
            take: take::<T>,
            put: put::<T>,
            release: release::<T>,
        }
    }
}

fn take<T: DataResource>(mut store: StoreContextMut<'_, Ctx>, any: ResourceAny) -> wasmtime::Result<Val> {
    let owned = any.owned();
    let r: Resource<T> = any.try_into_resource(&mut store)?;
    let table = &mut store.data_mut().table;
    if owned {
        Ok(table.delete(r).map_err(|e| wasmtime::format_err!("{e}: the handle was already dropped"))?.into_plain())
    } else {
        Ok(table.get(&r).map_err(|e| wasmtime::format_err!("{e}: the handle was already dropped"))?.to_plain())
    }
}

fn put<T: DataResource>(mut store: StoreContextMut<'_, Ctx>, plain: Val) -> wasmtime::Result<ResourceAny> {
    let value = T::from_plain(plain).map_err(|e| wasmtime::format_err!("{e}"))?;
    let r = store.data_mut().table.push(value)?;
    ResourceAny::try_from_resource(r, &mut store)
}

fn release<T: DataResource>(mut store: StoreContextMut<'_, Ctx>, any: ResourceAny) -> wasmtime::Result<()> {
    let r: Resource<T> = any.try_into_resource(&mut store)?;
    store.data_mut().table.delete(r)?;
    Ok(())
}

/// Every data-resource kind the host knows (from the catalogue).
#[derive(Clone, Debug, Default)]
pub struct DataKinds(Vec<DataKind>);

/// Handles a call made in the callee's store, to release once it returns.
pub type Temporaries = Vec<(ResourceAny, fn(StoreContextMut<'_, Ctx>, ResourceAny) -> wasmtime::Result<()>)>;

impl DataKinds {
    pub fn new(kinds: Vec<DataKind>) -> DataKinds {
        DataKinds(kinds)
    }

    fn by_type(&self, ty: ResourceType) -> Option<&DataKind> {
        self.0.iter().find(|k| k.ty == ty)
    }

    /// The kind defined as `resource` in `interface` (compatible versions), if any.
    pub fn by_name(&self, interface: &str, resource: &str) -> Option<&DataKind> {
        self.0.iter().find(|k| k.resource == resource && crate::names::names_compatible(&k.interface, interface))
    }

    /// Replaces every data-resource handle in `v` (of type `ty`, living in `store`)
    /// by its plain value. `own` handles leave the store; borrows are copied.
    pub fn take_out(&self, store: &mut impl AsContextMut<Data = Ctx>, ty: &Type, v: Val) -> wasmtime::Result<Val> {
        self.walk(ty, v, &mut |t, v| match (t, v) {
            (Type::Own(_) | Type::Borrow(_), Val::Resource(any)) => {
                let kind = self.by_type(any.ty()).ok_or_else(|| {
                    wasmtime::format_err!(
                        "a resource handle crosses to another instance, but its type is not a data resource the host owns"
                    )
                })?;
                (kind.take)(store.as_context_mut(), any)
            }
            (_, other) => Err(wasmtime::format_err!("expected a resource handle, found {other:?}")),
        })
    }

    /// Turns plain values in `v` back into handles in `store`, where `ty` (the
    /// callee's own type) says a resource goes. Borrowed ones are recorded in
    /// `temps`, to [`DataKinds::release`] when the call has returned.
    pub fn bring_in(
        &self,
        store: &mut impl AsContextMut<Data = Ctx>,
        ty: &Type,
        v: Val,
        temps: &mut Temporaries,
    ) -> wasmtime::Result<Val> {
        self.walk(ty, v, &mut |t, v| {
            let (Type::Own(rt) | Type::Borrow(rt)) = t else { unreachable!("walk calls back for resources only") };
            let kind = self
                .by_type(*rt)
                .ok_or_else(|| wasmtime::format_err!("the callee expects a resource the host does not own as data"))?;
            let any = (kind.put)(store.as_context_mut(), v)?;
            if matches!(t, Type::Borrow(_)) {
                temps.push((any, kind.release));
            }
            Ok(Val::Resource(any))
        })
    }

    /// Releases the temporaries [`DataKinds::bring_in`] made for borrowed handles.
    pub fn release(store: &mut impl AsContextMut<Data = Ctx>, temps: Temporaries) -> wasmtime::Result<()> {
        for (any, release) in temps {
            release(store.as_context_mut(), any)?;
        }
        Ok(())
    }

    /// Rebuilds `v` following `ty`, calling `at` for every `own`/`borrow` position.
    fn walk(
        &self,
        ty: &Type,
        v: Val,
        at: &mut dyn FnMut(&Type, Val) -> wasmtime::Result<Val>,
    ) -> wasmtime::Result<Val> {
        Ok(match (ty, v) {
            (Type::Own(_) | Type::Borrow(_), v) => at(ty, v)?,
            (Type::List(l), Val::List(items)) => {
                let t = l.ty();
                Val::List(items.into_iter().map(|i| self.walk(&t, i, at)).collect::<wasmtime::Result<_>>()?)
            }
            (Type::Record(r), Val::Record(fields)) => Val::Record(
                r.fields()
                    .zip(fields)
                    .map(|(f, (name, v))| Ok((name, self.walk(&f.ty, v, at)?)))
                    .collect::<wasmtime::Result<_>>()?,
            ),
            (Type::Tuple(t), Val::Tuple(items)) => {
                Val::Tuple(t.types().zip(items).map(|(t, v)| self.walk(&t, v, at)).collect::<wasmtime::Result<_>>()?)
            }
            (Type::Variant(vt), Val::Variant(case, Some(payload))) => {
                let cty = vt.cases().find(|c| c.name == case).and_then(|c| c.ty);
                let payload = match cty {
                    Some(t) => self.walk(&t, *payload, at)?,
                    None => *payload,
                };
                Val::Variant(case, Some(Box::new(payload)))
            }
            (Type::Option(o), Val::Option(Some(inner))) => {
                Val::Option(Some(Box::new(self.walk(&o.ty(), *inner, at)?)))
            }
            (Type::Result(r), Val::Result(Ok(Some(inner)))) => {
                let t = r.ok().expect("a payload implies an ok type");
                Val::Result(Ok(Some(Box::new(self.walk(&t, *inner, at)?))))
            }
            (Type::Result(r), Val::Result(Err(Some(inner)))) => {
                let t = r.err().expect("a payload implies an err type");
                Val::Result(Err(Some(Box::new(self.walk(&t, *inner, at)?))))
            }
            (_, v) => v,
        })
    }
}
